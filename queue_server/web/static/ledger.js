// The 台账's print page: the one button that needs a script (the page's CSP allows no inline code).
document.getElementById("print").addEventListener("click", () => window.print());
