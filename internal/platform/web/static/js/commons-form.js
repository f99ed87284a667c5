// Progressive enhancement of the commons forms: a territory search next to the territory
// fields, using the open territory API. Without JavaScript the fields take codes as text.
(function () {
  "use strict";
  var fr = document.documentElement.lang !== "en";
  function t(a, b) { return fr ? a : b; }
  function picker(field, multi) {
    var box = document.createElement("div");
    box.className = "territory-picker";
    var id = field.id + "-recherche";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = t("Chercher un territoire par nom ou code postal", "Find a territory by name or postcode");
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    var list = document.createElement("ul");
    list.setAttribute("aria-live", "polite");
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(list);
    field.parentNode.appendChild(box);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { list.textContent = ""; return; }
      timer = setTimeout(function () {
        fetch("/api/v1/territories?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) {
            list.textContent = "";
            (data.items || []).forEach(function (it) {
              var li = document.createElement("li");
              var b = document.createElement("button");
              b.type = "button";
              b.className = "small secondary";
              var line = it.name + " (" + it.kind + ":" + it.code + ")";
              b.textContent = (multi ? t("Ajouter ", "Add ") : t("Choisir ", "Choose ")) + line;
              b.addEventListener("click", function () {
                if (multi) {
                  field.value = (field.value.trim() ? field.value.trim() + "\n" : "") + line;
                } else {
                  field.value = it.kind + ":" + it.code;
                }
                list.textContent = "";
                input.value = "";
                field.focus();
              });
              li.appendChild(b);
              list.appendChild(li);
            });
          })
          .catch(function () { list.textContent = ""; });
      }, 250);
    });
  }
  document.querySelectorAll("[data-territory-list]").forEach(function (f) { picker(f, true); });
  document.querySelectorAll("[data-territory-picker]").forEach(function (f) { picker(f, false); });
})();
