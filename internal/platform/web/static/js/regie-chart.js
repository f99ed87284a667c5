// Interactive load-curve chart (progressive enhancement). The page already
// shows the same curve as a static SVG with a table of its values; this
// script draws it with uPlot (zoom by dragging, values under the pointer)
// and leaves the table in place.
(function () {
  "use strict";
  if (typeof window.uPlot !== "function") { return; }
  var lang = document.documentElement.lang === "en" ? "en" : "fr";
  var fmt = new Intl.NumberFormat(lang === "en" ? "en-GB" : "fr-FR", { maximumFractionDigits: 3 });

  function parse(list, scale) {
    return list.split(",").map(function (s) { return s === "" ? null : Number(s) / scale; });
  }

  function draw(fig) {
    var times = fig.getAttribute("data-times");
    var values = fig.getAttribute("data-values");
    if (!times) { return; }
    var xs = parse(times, 1);
    var ys = parse(values, 1000);
    var box = document.createElement("div");
    box.className = "regie-plot";
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", (fig.getAttribute("data-label") || "") + (lang === "en" ? " (interactive chart, values in the table below)" : " (graphique interactif, valeurs dans le tableau ci-dessous)"));
    fig.insertBefore(box, fig.firstChild);
    var width = Math.max(280, Math.min(760, fig.clientWidth || 760));
    var opts = {
      width: width,
      height: 280,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Europe/Paris"); },
      scales: { x: { time: true } },
      series: [
        {},
        { label: "kWh", stroke: "#0b3d91", width: 1.5, spanGaps: false, value: function (u, v) { return v == null ? "—" : fmt.format(v); } }
      ],
      axes: [{}, { values: function (u, vals) { return vals.map(function (v) { return fmt.format(v); }); } }]
    };
    try {
      new uPlot(opts, [xs, ys], box);
      fig.classList.add("is-enhanced");
    } catch (e) {
      box.remove();
    }
  }

  var figs = document.querySelectorAll("figure.regie-chart[data-times]");
  for (var i = 0; i < figs.length; i++) { draw(figs[i]); }
})();
