// Moderation queue: a "select all" box for bulk actions (the page works without it).
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.hidden = false;
  all.addEventListener("change", function () {
    document.querySelectorAll('input[name="items"][form="bulk"]').forEach(function (c) { c.checked = all.checked; });
  });
})();
