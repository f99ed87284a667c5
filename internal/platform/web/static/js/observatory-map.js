// Interactive map of the communities list, as progressive enhancement: the
// page already holds an offline SVG map. When Leaflet is loaded and the
// tiles answer, an interactive map with one marker per community of the
// list (same filters, read from the GeoJSON export) replaces it; when the
// tiles cannot load, the SVG map comes back.
(function () {
  "use strict";
  var box = document.getElementById("obs-map");
  if (!box || typeof window.L === "undefined" || !box.dataset.geojson || !window.fetch) {
    return;
  }
  var fallback = document.getElementById("obs-map-fallback");
  var status = document.getElementById("obs-map-status");
  var el = document.createElement("div");
  el.className = "obs-leaflet";
  el.id = "obs-leaflet";
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", box.dataset.labelMarkers || "map");
  box.insertBefore(el, fallback);
  fallback.classList.add("is-hidden");

  var map = L.map(el, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
  var loaded = 0, failed = 0, done = false;
  var tiles = L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution || "" });

  function offline() {
    if (done) { return; }
    done = true;
    map.remove();
    el.parentNode.removeChild(el);
    fallback.classList.remove("is-hidden");
    box.dataset.mode = "svg";
    if (status) { status.textContent = box.dataset.labelOffline || ""; }
  }
  tiles.on("tileload", function () {
    loaded++;
    if (!done) { box.dataset.mode = "leaflet"; }
  });
  tiles.on("tileerror", function () {
    failed++;
    if (loaded === 0 && failed >= 3) { offline(); }
  });
  tiles.addTo(map);
  // No tile at all after a while: the tile server is out of reach.
  window.setTimeout(function () { if (loaded === 0) { offline(); } }, 6000);

  fetch(box.dataset.geojson, { headers: { "Accept": "application/geo+json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      if (done) { return; }
      var layer = L.geoJSON(data, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 6, color: "#ffffff", weight: 1.5, fillColor: "#b0002a", fillOpacity: 0.9 });
        },
        onEachFeature: function (f, lyr) {
          var p = f.properties || {};
          var a = document.createElement("a");
          a.href = "/communautes/" + encodeURIComponent(p.slug);
          a.textContent = p.name;
          var div = document.createElement("div");
          div.appendChild(a);
          var small = document.createElement("div");
          small.textContent = p.commune_name || "";
          div.appendChild(small);
          lyr.bindPopup(div);
        }
      }).addTo(map);
      var n = layer.getLayers().length;
      box.dataset.markers = String(n);
      if (status) { status.textContent = n + " " + (box.dataset.labelMarkers || ""); }
      if (n > 0) { map.fitBounds(layer.getBounds(), { maxZoom: 11, padding: [20, 20] }); }
    })
    .catch(function () { offline(); });
})();
