// Adds a print button to printable statements (the page works without it).
(function () {
  "use strict";
  var hint = document.querySelector(".acc-print-hint");
  if (!hint || !window.print) { return; }
  var b = document.createElement("button");
  b.type = "button";
  b.className = "small secondary";
  b.textContent = document.documentElement.lang === "en" ? "Print" : "Imprimer";
  b.addEventListener("click", function () { window.print(); });
  hint.insertBefore(b, hint.firstChild);
  hint.insertBefore(document.createTextNode(" "), b.nextSibling);
})();
