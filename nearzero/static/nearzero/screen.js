// The big screen (web/screen.html): ticks the clock, draws the two charts and refreshes every
// figure in place from the JSON endpoint (data-url) once a minute. When a refresh fails the
// last figures stay on screen with a small "offline since hh:mm" note.
(function () {
  "use strict";
  var root = document.getElementById("screen");
  var initial = document.getElementById("screen-initial");
  if (!root || !initial) return;

  var REFRESH_MS = 60 * 1000;
  var zone = root.dataset.timeZone;
  var locale = root.dataset.language === "en" ? "en-GB" : "zh-CN";
  var font = getComputedStyle(document.body).fontFamily;
  var ink = "#e8f2ec", muted = "#9fb5aa", grid = "rgba(232, 242, 236, 0.12)";
  var charts = {};
  var offlineSince = null;
  var current = null;

  // Chart text follows the page's type scale (the body's font size follows the viewport).
  function px(factor) {
    return Math.round(parseFloat(getComputedStyle(document.body).fontSize) * factor);
  }

  var clockFormat = new Intl.DateTimeFormat(locale, {
    timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false });
  var dateFormat = new Intl.DateTimeFormat(locale, {
    timeZone: zone, year: "numeric", month: "long", day: "numeric", weekday: "long" });

  function setText(el, value) {
    if (el && el.textContent !== value) el.textContent = value;
  }

  function field(box, name) {
    return box.querySelector('[data-field="' + name + '"]');
  }

  function fill(template, time) {
    return template.replace("{time}", time);
  }

  // --- clock -----------------------------------------------------------------------------------

  function tick() {
    var now = new Date();
    setText(document.getElementById("screen-clock"), clockFormat.format(now));
    setText(document.getElementById("screen-date"), dateFormat.format(now));
  }

  // --- tiles and events ------------------------------------------------------------------------

  function setValue(el, value) {
    el.dataset.value = value === null || value === undefined ? "" : String(value);
  }

  function renderTiles(tiles) {
    tiles.forEach(function (tile) {
      var box = root.querySelector('[data-tile="' + tile.key + '"]');
      if (!box) return;
      box.classList.toggle("is-missing", tile.value === null);
      setText(field(box, "label"), tile.label);
      setText(field(box, "note"), tile.note || "");
      var value = box.querySelector('[data-kpi="' + tile.key + '"]');
      setValue(value, tile.value);
      setText(field(value, "display"), tile.display);
      setText(field(value, "unit"), tile.unit || "");
      var change = box.querySelector('[data-kpi="net_change_pct"]');
      if (change && tile.change) {
        setValue(change, tile.change.value);
        setText(field(change, "display"), tile.change.display);
        setText(field(change, "label"), tile.change.label);
        change.classList.toggle("is-down", tile.change.value !== null && tile.change.value < 0);
        change.classList.toggle("is-up", tile.change.value !== null && tile.change.value > 0);
      }
    });
  }

  function div(className, text) {
    var el = document.createElement("div");
    el.className = className;
    el.textContent = text;
    return el;
  }

  function span(className, text) {
    var el = document.createElement("span");
    el.className = className;
    el.textContent = text;
    return el;
  }

  function renderEvents(events) {
    var panel = root.querySelector('[data-panel="events"]');
    panel.dataset.mode = events.mode;
    setText(field(panel, "heading"), events.heading);
    var list = document.getElementById("screen-events");
    var items = events.items.map(function (event) {
      var li = document.createElement("li");
      li.className = "screen-event";
      var when = div("screen-event-when", event.date + " " + event.weekday + " ");
      when.append(span("screen-event-time", event.time));
      var meta = div("screen-event-meta", "");
      meta.append(span("screen-event-site", event.site), span("screen-event-figures", event.figures));
      li.append(when, div("screen-event-title", event.title), meta);
      return li;
    });
    list.replaceChildren.apply(list, items);
    fitEvents();
  }

  // Show only the events that fit whole in the panel (never a half-cut line on the TV).
  function fitEvents() {
    var list = document.getElementById("screen-events");
    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (li) { li.hidden = false; });
    items.forEach(function (li, i) {
      li.hidden = i > 0 && li.offsetTop + li.offsetHeight > list.clientHeight + 1;
    });
  }

  // --- charts ----------------------------------------------------------------------------------

  function grouped(value, decimals) {
    return Number(value).toLocaleString("en-US", {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }

  function emptyGraphic(key, text, empty) {
    var width = document.getElementById("screen-chart-" + key).clientWidth - px(2);
    return empty ? [{ type: "text", left: "center", top: "middle",
      style: { text: text, fill: muted, fontSize: px(1.1), fontFamily: font,
        width: width, overflow: "break", align: "center" } }] : [];
  }

  function axisStyle(extra) {
    return Object.assign({
      axisLine: { lineStyle: { color: grid } },
      axisTick: { show: false },
      splitLine: { lineStyle: { color: grid } }
    }, extra || {});
  }

  function inventoryOption(chart) {
    var empty = !chart.years.length;
    return {
      animation: false,
      textStyle: { fontFamily: font, color: ink },
      grid: { left: px(0.7), right: px(0.7), top: px(2), bottom: px(0.3), containLabel: true },
      graphic: emptyGraphic("inventory", chart.empty, empty),
      xAxis: axisStyle({ type: "category", data: chart.years, show: !empty,
        axisLabel: { color: ink, fontSize: px(1), fontFamily: font } }),
      yAxis: axisStyle({ type: "value", show: !empty,
        axisLabel: { color: muted, fontSize: px(0.9), fontFamily: font,
          formatter: function (v) { return grouped(v, 0); } } }),
      series: [{
        type: "bar", data: chart.net_tco2e, barMaxWidth: px(3.3),
        itemStyle: { color: "#3ecf8e", borderRadius: [6, 6, 0, 0] },
        label: { show: true, position: "top", color: ink, fontSize: px(1), fontFamily: font,
          formatter: function (p) { return grouped(p.value, 0); } }
      }]
    };
  }

  function pvOption(chart) {
    var empty = !chart.slots.length;
    return {
      animation: false,
      textStyle: { fontFamily: font, color: ink },
      grid: { left: px(0.7), right: px(1.1), top: px(1.1), bottom: px(0.3), containLabel: true },
      graphic: emptyGraphic("pv", chart.empty, empty),
      xAxis: axisStyle({ type: "category", data: chart.slots, show: !empty, boundaryGap: false,
        axisLabel: { color: muted, fontSize: px(0.9), fontFamily: font, interval: 11 },
        splitLine: { show: false } }),
      yAxis: axisStyle({ type: "value", show: !empty,
        axisLabel: { color: muted, fontSize: px(0.9), fontFamily: font } }),
      series: [{
        type: "line", data: chart.kwh, smooth: true, symbol: "none", connectNulls: false,
        lineStyle: { color: "#f6c343", width: Math.max(2, px(0.18)) },
        areaStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1, [
          { offset: 0, color: "rgba(246, 195, 67, 0.55)" },
          { offset: 1, color: "rgba(246, 195, 67, 0.04)" }]) }
      }]
    };
  }

  function renderChart(key, option) {
    if (!window.echarts) return;
    if (!charts[key]) {
      charts[key] = echarts.init(document.getElementById("screen-chart-" + key), null,
        { renderer: "canvas" });
    }
    charts[key].setOption(option, { notMerge: true });
  }

  function renderPanels(data) {
    var inventory = root.querySelector('[data-panel="inventory"]');
    setText(field(inventory, "title"), data.charts.inventory.title);
    var pv = root.querySelector('[data-panel="pv"]');
    setText(field(pv, "title"), data.charts.pv.title);
    var note = field(pv, "note");
    setText(note, data.charts.pv.note || "");
    note.classList.toggle("is-stale", data.charts.pv.is_today === false);
    renderChart("inventory", inventoryOption(data.charts.inventory));
    renderChart("pv", pvOption(data.charts.pv));
  }

  // --- refresh ---------------------------------------------------------------------------------

  function render(data) {
    current = data;
    setText(root.querySelector('[data-field="community"]'), data.community.name);
    renderTiles(data.tiles);
    renderPanels(data);
    renderEvents(data.events);
    var updated = document.getElementById("screen-updated");
    setText(updated, fill(updated.dataset.template, data.clock.time));
  }

  function showOffline() {
    var note = document.getElementById("screen-offline");
    setText(note, fill(note.dataset.template, clockFormat.format(offlineSince)));
    note.hidden = false;
    root.classList.add("is-offline");
  }

  function refresh() {
    return fetch(root.dataset.url, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      // A lapsed session redirects to the sign-in page: that is no data either.
      if (!response.ok || response.redirected || type.indexOf("application/json") !== 0) {
        throw new Error("screen data: HTTP " + response.status);
      }
      return response.json();
    }).then(function (data) {
      render(data);
      offlineSince = null;
      document.getElementById("screen-offline").hidden = true;
      root.classList.remove("is-offline");
    }).catch(function () {
      offlineSince = offlineSince || new Date();
      showOffline();
    });
  }

  render(JSON.parse(initial.textContent));
  tick();
  setInterval(tick, 1000);
  setInterval(refresh, REFRESH_MS);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (key) { charts[key].resize(); });
    if (current) renderPanels(current);
    fitEvents();
  });
  // For a person at the TV's keyboard (and the browser tests): refresh now.
  window.nearzeroScreen = { refresh: refresh };
})();
