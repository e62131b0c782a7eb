// Community map: boundary and sites on a plain background; street tiles only when the
// operator configured a tile server (NEARZERO_MAP_TILE_URL). Nothing is fetched from the web.
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var colours = { centre: "#1f7a4d", station: "#3b82c4", post: "#c2410c", partner: "#7c5cbf" };
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tileUrl });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" })
      .addTo(map);
  }
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function capitalise(text) {
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (collection) {
      var seen = {};
      var layer = L.geoJSON(collection, {
        // Only the boundary takes this style; site markers are styled in pointToLayer.
        style: function (feature) {
          if (feature.geometry.type === "Point") return {};
          return { color: "#1f7a4d", weight: 2, fillColor: "#cfe8da", fillOpacity: 0.35, dashArray: "6 4" };
        },
        pointToLayer: function (feature, latlng) {
          var p = feature.properties;
          seen[p.kind] = p.kind_label;
          var radius = p.kind === "centre" ? 10 : p.kind === "station" ? 8 : 6;
          return L.circleMarker(latlng, {
            radius: radius, color: "#fff", weight: 2, fillColor: colours[p.kind] || "#555",
            fillOpacity: p.active ? 0.95 : 0.4,
          });
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties;
          if (p.role === "boundary") return;
          lyr.bindPopup("<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(p.kind_label) +
            (p.address ? "<br>" + escapeHtml(p.address) : "") +
            (p.opening_hours ? "<br>" + escapeHtml(p.opening_hours) : ""));
          // Permanent labels for the centre always, for stations only where there is room.
          var wide = el.clientWidth >= 700;
          if (p.kind === "centre" || (wide && p.kind === "station")) {
            lyr.bindTooltip(escapeHtml(p.name), { permanent: true, direction: "right", offset: [8, 0], className: "map-label" });
          } else {
            lyr.bindTooltip(escapeHtml(p.name), { direction: "top", className: "map-label" });
          }
        },
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
      else map.setView([31.2, 121.5], 10);
      var legend = L.control({ position: "bottomright" });
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "map-legend");
        var html = "<div><i style=\"background:#cfe8da;border:1px dashed #1f7a4d;border-radius:2px\"></i>" +
          escapeHtml(capitalise(el.dataset.boundaryLabel)) + "</div>";
        Object.keys(colours).forEach(function (kind) {
          if (seen[kind]) html += "<div><i style=\"background:" + colours[kind] + "\"></i>" + escapeHtml(capitalise(seen[kind])) + "</div>";
        });
        div.innerHTML = html;
        return div;
      };
      legend.addTo(map);
      el.dataset.loaded = "true";
    });
})();
