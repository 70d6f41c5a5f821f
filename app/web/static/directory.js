// The "Print or save as PDF" button of the who-meets-where directory: shown only where a script can print.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
