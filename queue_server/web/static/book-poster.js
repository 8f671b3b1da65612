// The door poster (/book/poster): its one button prints it (the page allows no inline script).
"use strict";
document.getElementById("print").addEventListener("click", () => window.print());
