// Candidate roofs on a plain offline map: one circle per roof, sized by kWp, with its yield.
(function () {
  var el = document.getElementById("roof-map");
  var data = document.getElementById("roof-features");
  if (!el || !data || !window.L) return;
  var collection = JSON.parse(data.textContent);
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  var layer = L.geoJSON(collection, {
    style: function (feature) {
      if (feature.geometry.type === "Point") return {};
      return { color: "#1f7a4d", weight: 2, fillColor: "#cfe8da", fillOpacity: 0.3, dashArray: "6 4" };
    },
    pointToLayer: function (feature, latlng) {
      var p = feature.properties;
      return L.circleMarker(latlng, {
        radius: 5 + Math.sqrt(p.kwp), color: "#fff", weight: 2, fillColor: "#e0a100",
        fillOpacity: 0.9,
      });
    },
    onEachFeature: function (feature, lyr) {
      var p = feature.properties;
      if (p.role === "boundary") return;
      lyr.bindTooltip(escapeHtml(p.name) + "<br>" + p.kwp + " kWp · " +
        p.annual_kwh.toLocaleString() + " kWh · " + p.avoided_t + " tCO2e", { direction: "top" });
    },
  }).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [30, 30] });
  el.dataset.loaded = "true";
})();
