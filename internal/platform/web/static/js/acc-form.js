// Operation form enhancements: shows the derogation fields only for that
// regime. Without this file every field stays visible and works.
(function () {
  "use strict";
  var radios = document.querySelectorAll('input[name="regime"]');
  var km = document.getElementById("f-derogation-km");
  var ref = document.getElementById("f-derogation-ref");
  if (!radios.length || !km || !ref) { return; }
  function update() {
    var der = document.querySelector('input[name="regime"]:checked');
    var on = der && der.value === "derogation";
    km.parentNode.hidden = !on;
    ref.parentNode.hidden = !on;
  }
  for (var i = 0; i < radios.length; i++) { radios[i].addEventListener("change", update); }
  update();
})();
