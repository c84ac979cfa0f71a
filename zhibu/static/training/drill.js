// Tablet scoring: a level button fills its criterion's points.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.level");
  if (!button) return;
  const input = document.getElementById(button.dataset.target);
  input.value = button.dataset.points;
  button.parentElement.querySelectorAll("button.level").forEach((b) => b.setAttribute("aria-pressed", b === button ? "true" : "false"));
});
