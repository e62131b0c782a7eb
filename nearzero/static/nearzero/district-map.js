// District map: every community the officer oversees, as its boundary and a point, coloured
// by its overall result against the chosen standard. Drawn like map.js: a plain background,
// street tiles only when the operator configured a tile server (NEARZERO_MAP_TILE_URL).
// The features are in the page (a json_script element); nothing is fetched from the web.
(function () {
  var el = document.getElementById("district-map");
  var source = el && document.getElementById(el.dataset.source);
  if (!el || !source || !window.L) return;
  var d = el.dataset;
  var colours = { pass: d.colourPass, fail: d.colourFail, incomplete: d.colourIncomplete };
  var labels = { pass: d.labelPass, fail: d.labelFail, incomplete: d.labelIncomplete };
  var states = { submitted: d.labelSubmitted, draft: d.labelDraft, not_assessed: d.labelNotAssessed };
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!d.tileUrl });
  if (d.tileUrl) {
    L.tileLayer(d.tileUrl, { maxZoom: 19, attribution: d.tileAttribution || "" }).addTo(map);
  }
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function capitalise(text) {
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }
  function fixed(value, digits) {
    if (value == null) return "—";
    return Number(value).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function colourOf(p) {
    return colours[p.result] || d.colourNone;
  }
  function popup(p) {
    var result = labels[p.result] || d.labelNone;
    var lines = [
      "<strong>" + escapeHtml(p.name) + "</strong>",
      "<span class=\"muted\">" + escapeHtml(p.region) + "</span>",
      escapeHtml(capitalise(result)) +
        (p.score_pct != null ? " · " + escapeHtml(d.labelScore) + " " + fixed(p.score_pct, 1) : "") +
        (p.state ? " (" + escapeHtml(p.year) + " · " + escapeHtml(states[p.state] || "") + ")" : ""),
      escapeHtml(capitalise(d.labelNet)) + ": " + fixed(p.net_tco2e, 1) +
        (p.inventory_year ? " (" + escapeHtml(p.inventory_year) + ")" : ""),
      escapeHtml(capitalise(d.labelIntensity)) + ": " + fixed(p.intensity_tco2e_per_resident, 2),
      escapeHtml(capitalise(d.labelCoverage)) + ": " +
        (p.coverage_pct == null ? "—" : fixed(p.coverage_pct, 1) + " %"),
      "<a href=\"" + escapeHtml(p.url) + "\">" + escapeHtml(d.labelOpen) + "</a>",
    ];
    return lines.join("<br>");
  }
  var collection = JSON.parse(source.textContent);
  var seen = {};
  var layer = L.geoJSON(collection, {
    // Only boundaries take this style; the points are styled in pointToLayer.
    style: function (feature) {
      if (feature.geometry.type === "Point") return {};
      var p = feature.properties;
      var preview = p.state === "not_assessed";
      return {
        color: colourOf(p), weight: 2, fillColor: colourOf(p),
        fillOpacity: preview ? 0.12 : 0.25, dashArray: preview ? "6 4" : null,
      };
    },
    pointToLayer: function (feature, latlng) {
      var p = feature.properties;
      var preview = p.state === "not_assessed";
      return L.circleMarker(latlng, {
        radius: 10, color: preview ? colourOf(p) : "#fff", weight: preview ? 3 : 2,
        dashArray: preview ? "3 3" : null, fillColor: colourOf(p), fillOpacity: preview ? 0.45 : 0.95,
      });
    },
    onEachFeature: function (feature, lyr) {
      var p = feature.properties;
      seen[p.result || "none"] = true;
      if (p.state === "not_assessed") seen.preview = true;
      lyr.bindPopup(popup(p));
      if (feature.geometry.type === "Point") {
        lyr.bindTooltip(escapeHtml(p.name), { permanent: true, direction: "right", offset: [10, 0], className: "map-label" });
      }
    },
  }).addTo(map);
  var bounds = layer.getBounds();
  // Room on the right for the names written beside the points.
  if (bounds.isValid()) map.fitBounds(bounds, { paddingTopLeft: [30, 30], paddingBottomRight: [120, 30], maxZoom: 14 });
  else map.setView([31.2, 121.5], 10);
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "map-legend");
    var html = "";
    ["pass", "fail", "incomplete"].forEach(function (key) {
      if (seen[key]) html += "<div><i style=\"background:" + colours[key] + "\"></i>" + escapeHtml(capitalise(labels[key])) + "</div>";
    });
    if (seen.none) html += "<div><i style=\"background:" + d.colourNone + "\"></i>" + escapeHtml(capitalise(d.labelNone)) + "</div>";
    if (seen.preview) {
      html += "<div><i style=\"background:transparent;border:2px dashed " + d.colourNone + "\"></i>" +
        escapeHtml(capitalise(d.labelNotAssessed)) + "</div>";
    }
    div.innerHTML = html;
    return div;
  };
  legend.addTo(map);
  el.dataset.loaded = "true";
})();
