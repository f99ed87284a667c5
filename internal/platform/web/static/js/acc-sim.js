// Simulator enhancements: copy the shareable address; changing the key
// re-runs the simulation at once. The form works without this file.
(function () {
  "use strict";
  var en = document.documentElement.lang === "en";
  var share = document.getElementById("s-share");
  if (share && navigator.clipboard) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small secondary";
    b.textContent = en ? "Copy the address" : "Copier l'adresse";
    var status = document.createElement("span");
    status.setAttribute("role", "status");
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(share.value).then(function () {
        status.textContent = en ? " Address copied." : " Adresse copiée.";
      });
    });
    share.parentNode.appendChild(b);
    share.parentNode.appendChild(status);
  }
  var key = document.getElementById("s-key");
  var form = document.getElementById("s-form");
  if (key && form) {
    key.addEventListener("change", function () { form.submit(); });
  }
})();
