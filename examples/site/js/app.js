// Marks today's opening hours on the front page.
document.addEventListener("DOMContentLoaded", () => {
  const closed = new Date().getDay() === 1; // Mondays
  document.body.dataset.open = closed ? "no" : "yes";
});
