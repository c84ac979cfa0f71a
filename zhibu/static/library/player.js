// Study heartbeats: every few seconds while a video plays (or a document is open) in a visible tab,
// tell the server how many seconds were studied since the last heartbeat and where the video is.
// The server decides what counts (never more than the time that passed, never beyond the item's
// length); this script only reports.
(function () {
  const box = document.getElementById("study");
  if (!box) return;
  const url = box.dataset.beatUrl;
  const interval = (parseInt(box.dataset.interval, 10) || 15) * 1000;
  const video = document.querySelector("video[data-player]");
  const isDocument = box.dataset.kind === "document";
  let studied = 0; // seconds of study not yet reported
  let last = null; // when the clock last advanced
  let counting = false; // whether the time since `last` is study time
  let started = false;

  function active() {
    if (document.visibilityState !== "visible") return false;
    if (video) return !video.paused && !video.ended;
    return isDocument;
  }

  // Advance the clock: the time since the last tick counts only if we were studying all along.
  function tick() {
    const now = performance.now();
    if (counting && last !== null) studied += (now - last) / 1000;
    last = now;
    counting = active();
  }

  function show(data) {
    const text = box.querySelector("[data-progress-text]");
    const bar = box.querySelector("[data-progress-bar]");
    if (text) text.textContent = data.seconds;
    if (bar && data.duration) bar.style.width = Math.min(100, (100 * data.seconds) / data.duration) + "%";
  }

  function send() {
    tick();
    if (started && studied < 1) return;
    const played = Math.floor(studied * 10) / 10;
    studied -= played;
    started = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
      body: JSON.stringify({ played: played, position: video ? video.currentTime : 0 }),
    })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => data && show(data))
      .catch(() => {});
  }

  if (video) {
    const resume = parseFloat(box.dataset.position) || 0;
    video.addEventListener("loadedmetadata", () => {
      if (resume > 0 && resume < video.duration - 5) video.currentTime = resume;
    });
    video.addEventListener("play", () => (started ? tick() : send()));
    video.addEventListener("pause", tick);
    video.addEventListener("ended", send);
  } else if (isDocument) {
    send();
  }
  document.addEventListener("visibilitychange", tick);
  setInterval(() => (counting || active() ? send() : tick()), interval);
})();
