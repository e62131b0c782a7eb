// Draws the dashboard charts from the JSON the server rendered into the page.
(function () {
  var data = document.getElementById("dashboard-charts");
  if (!data || !window.echarts) return;
  var charts = JSON.parse(data.textContent);
  var palette = ["#1f7a4d", "#3b82c4", "#c2410c", "#7c5cbf", "#0f766e", "#a16207"];
  var instances = charts.map(function (chart) {
    var el = document.getElementById("chart-" + chart.key);
    var instance = echarts.init(el, null, { renderer: "svg" });
    var option = Object.assign({ color: palette, animation: false,
      grid: { left: 40, right: 16, top: 16, bottom: 40, containLabel: true },
      tooltip: { trigger: "axis" } }, chart.option);
    instance.setOption(option);
    return instance;
  });
  window.addEventListener("resize", function () {
    instances.forEach(function (i) { i.resize(); });
  });
})();
