// Online exam: save each answer as it is given; keep unsent answers and retry when the connection returns.
(() => {
  const bar = document.getElementById("exam-bar");
  if (!bar) return;
  const status = document.getElementById("exam-status");
  const clock = document.getElementById("exam-clock");
  const deadline = new Date(bar.dataset.deadline).getTime();
  const key = "zhibu-exam-pending:" + location.pathname;
  const pending = JSON.parse(localStorage.getItem(key) || "{}");

  function store() { localStorage.setItem(key, JSON.stringify(pending)); }

  function fields(form) {
    const data = new FormData(form);
    return Array.from(data.entries());
  }

  async function send(form, entries) {
    const qid = form.querySelector("[name=question]").value;
    const note = form.querySelector(".saved");
    const body = new URLSearchParams(entries);
    try {
      const response = await fetch(form.action, {
        method: "POST", body, credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value },
      });
      const result = await response.json();
      if (result.ok) {
        delete pending[qid]; store();
        note.textContent = interpolate(gettext("已保存 %s"), [result.saved]);
        note.classList.remove("bad");
      } else {
        delete pending[qid]; store();
        note.textContent = result.error;
        note.classList.add("bad");
      }
    } catch (e) {
      pending[qid] = entries; store();
      note.textContent = gettext("网络中断，答案已暂存在本机，恢复后自动提交");
    }
  }

  const forms = Array.from(document.querySelectorAll("form[data-exam-answer]"));
  forms.forEach((form) => {
    form.addEventListener("change", () => send(form, fields(form)));
    form.addEventListener("submit", (event) => { event.preventDefault(); send(form, fields(form)); });
  });

  function retry() {
    forms.forEach((form) => {
      const qid = form.querySelector("[name=question]").value;
      if (pending[qid]) send(form, pending[qid]);
    });
  }
  window.addEventListener("online", retry);
  setInterval(retry, 10000);
  retry();

  function tick() {
    const left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    clock.textContent = interpolate(gettext("%(m)s 分 %(s)s 秒"), { m: Math.floor(left / 60), s: String(left % 60).padStart(2, "0") }, true);
    if (left === 0) {
      status.textContent = gettext("作答时间已到，请交卷");
      forms.forEach((f) => f.querySelector("fieldset").setAttribute("disabled", ""));
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
