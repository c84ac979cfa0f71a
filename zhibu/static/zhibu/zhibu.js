// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
});
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle-large]");
  if (toggle) {
    const on = document.body.classList.toggle("large");
    document.cookie = "zhibu_large=" + (on ? "1" : "0") + "; path=/; max-age=31536000; SameSite=Lax";
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
  }
  const confirmEl = event.target.closest("[data-confirm]");
  if (confirmEl && !window.confirm(confirmEl.dataset.confirm)) event.preventDefault();
});
