// The notice's print view: the one button that needs a script (the page's CSP allows no inline code).
document.getElementById("print").addEventListener("click", () => window.print());
