// Study heartbeats: every few seconds while a video plays (or a document is open) in a visible tab,
// tell the server how many seconds were studied since the last heartbeat and where the video is.
// The server decides what counts; this script only reports.
(function () {
  const box = document.getElementById("study");
  if (!box) return;
  const url = box.dataset.beatUrl;
  const interval = (parseInt(box.dataset.interval, 10) || 15) * 1000;
  const video = document.querySelector("video[data-player]");
  const isDocument = box.dataset.kind === "document";
  let studied = 0; // seconds of study not yet reported
  let last = null; // when counting last advanced
  let started = false;

  function active() {
    if (document.visibilityState !== "visible") return false;
    if (video) return !video.paused && !video.ended;
    return isDocument;
  }

  function tick() {
    const now = performance.now();
    if (last !== null && active()) studied += (now - last) / 1000;
    last = now;
  }

  function send() {
    tick();
    if (!active() && studied < 1 && started) return;
    const body = JSON.stringify({ played: Math.round(studied * 10) / 10, position: video ? video.currentTime : 0 });
    studied = 0;
    started = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
      body: body,
    })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data) return;
        const text = box.querySelector("[data-progress-text]");
        const bar = box.querySelector("[data-progress-bar]");
        if (text) text.textContent = data.seconds;
        if (bar && data.duration) bar.style.width = Math.min(100, (100 * data.seconds) / data.duration) + "%";
      })
      .catch(() => {});
  }

  if (video) {
    const resume = parseFloat(box.dataset.position) || 0;
    video.addEventListener("loadedmetadata", () => {
      if (resume > 0 && resume < video.duration - 5) video.currentTime = resume;
    });
    video.addEventListener("play", () => { last = performance.now(); if (!started) send(); });
    video.addEventListener("pause", tick);
  } else if (isDocument) {
    send();
  }
  document.addEventListener("visibilitychange", () => {
    tick();
    if (document.visibilityState === "visible") last = performance.now();
  });
  setInterval(() => { if (active()) send(); else tick(); }, interval);
})();
