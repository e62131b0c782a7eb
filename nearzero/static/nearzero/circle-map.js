// 15-minute circle map: the community's own street network (no tiles are fetched), the
// walking-time bands, sites, homes within and beyond reach, and proposed posts. On the
// siting page the same map lets staff tap candidate places into a hidden form field.
(function () {
  var el = document.getElementById("circle-map") || document.getElementById("draw-map");
  if (!el || !window.L) return;
  var d = el.dataset;
  var siteColours = { centre: "#1f7a4d", station: "#3b82c4", post: "#c2410c" };
  var bandColours = ["#d9f0e3", "#a8dcc0", "#6cc397"];
  var map = L.map(el, { zoomSnap: 0.25, preferCanvas: true, attributionControl: false });
  var canvas = L.canvas({ padding: 0.3 });

  function esc(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function drawStreets(data) {
    var lines = [];
    for (var i = 0; i < data.edges.length; i += 2) {
      var a = data.edges[i], b = data.edges[i + 1];
      lines.push([[data.lat[a], data.lon[a]], [data.lat[b], data.lon[b]]]);
    }
    L.polyline(lines, { renderer: canvas, color: "#9aa4ad", weight: 1, opacity: 0.8, interactive: false }).addTo(map);
  }

  function drawFeatures(collection) {
    var seenKinds = {};
    var bands = [];
    var layer = L.geoJSON(collection, {
      renderer: canvas,
      style: function (f) {
        if (f.properties.kind !== "isochrone") return {};
        var index = bands.length;
        bands.push(f.properties.walk_min);
        return { stroke: false, fillColor: bandColours[Math.min(index, bandColours.length - 1)], fillOpacity: 0.55 };
      },
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        if (p.role === "site") {
          seenKinds[p.kind] = p.kind_label;
          return L.circleMarker(latlng, { renderer: canvas, radius: p.kind === "centre" ? 9 : 7, color: "#fff", weight: 2, fillColor: siteColours[p.kind] || "#555", fillOpacity: 1 });
        }
        if (p.role === "proposed") {
          return L.marker(latlng, { icon: L.divIcon({ className: "proposed-post", html: String(p.rank), iconSize: [22, 22] }) });
        }
        var radius = Math.max(2, Math.min(7, Math.sqrt(p.residents || 1)));
        return L.circleMarker(latlng, { renderer: canvas, radius: radius, weight: p.covered ? 0 : 1, color: "#7f1d1d", fillColor: p.covered ? "#2f855a" : "#dc2626", fillOpacity: p.covered ? 0.5 : 0.9 });
      },
      onEachFeature: function (f, lyr) {
        var p = f.properties;
        if (p.role === "site") lyr.bindTooltip(esc(p.name) + "<br>" + esc(p.kind_label), { direction: "top" });
        else if (p.role === "home") lyr.bindTooltip(esc(p.name) + "<br>" + esc(p.residents) + " " + esc(d.labelResidents) + "<br>" +
          (p.walk_min == null ? esc(d.labelUnreachable) : esc(d.labelWalk) + ": " + p.walk_min.toFixed(1) + " " + esc(d.labelMin)));
        else if (p.role === "proposed") lyr.bindTooltip(esc(d.labelProposed) + " " + p.rank + "<br>+" + esc(p.gain_residents) + " " + esc(d.labelGain || ""));
      },
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16] });
    else map.setView([31.2, 121.5], 12);
    if (d.labelCovered) {
      var legend = L.control({ position: "bottomright" });
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "map-legend");
        var html = "";
        bands.slice().reverse().forEach(function (minutes, i) {
          var colour = bandColours[bands.length - 1 - i];
          html += "<div><i style=\"background:" + colour + "\"></i>" + esc((d.labelBand || "{min}").replace("{min}", Math.round(minutes))) + "</div>";
        });
        Object.keys(siteColours).forEach(function (kind) {
          if (seenKinds[kind]) html += "<div><i style=\"background:" + siteColours[kind] + ";border-radius:50%\"></i>" + esc(seenKinds[kind]) + "</div>";
        });
        html += "<div><i style=\"background:#2f855a;border-radius:50%;opacity:.6\"></i>" + esc(d.labelCovered) + "</div>";
        html += "<div><i style=\"background:#dc2626;border-radius:50%\"></i>" + esc(d.labelUncovered) + "</div>";
        html += "<div><i class=\"proposed-post\" style=\"display:inline-block\"></i>" + esc(d.labelProposed) + "</div>";
        div.innerHTML = html;
        return div;
      };
      legend.addTo(map);
    }
  }

  function enableDrawing(input) {
    var drawn = [];
    function sync() {
      input.value = JSON.stringify(drawn.map(function (m) { var p = m.getLatLng(); return [+p.lat.toFixed(6), +p.lng.toFixed(6)]; }));
    }
    map.on("click", function (e) {
      var marker = L.circleMarker(e.latlng, { radius: 8, color: "#111", weight: 2, fillColor: "#facc15", fillOpacity: 1 }).addTo(map);
      marker.bindTooltip(esc(d.labelDrawn));
      marker.on("click", function (ev) {
        L.DomEvent.stopPropagation(ev);
        map.removeLayer(marker);
        drawn = drawn.filter(function (m) { return m !== marker; });
        sync();
      });
      drawn.push(marker);
      sync();
      var select = document.getElementById("id_candidate_source");
      if (select) select.value = "drawn";
    });
  }

  Promise.all([
    fetch(d.streets, { credentials: "same-origin" }).then(function (r) { return r.json(); }),
    fetch(d.map, { credentials: "same-origin" }).then(function (r) { return r.json(); }),
  ]).then(function (results) {
    drawStreets(results[0]);
    drawFeatures(results[1]);
    if (d.draw) enableDrawing(document.getElementById(d.draw));
    el.dataset.loaded = "true";
  });
})();
