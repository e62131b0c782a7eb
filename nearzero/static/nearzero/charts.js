// Draws the charts of a page from the JSON the server rendered into it (id "page-charts").
(function () {
  var data = document.getElementById("page-charts");
  if (!data || !window.echarts) return;
  var charts = JSON.parse(data.textContent);
  var palette = ["#1f7a4d", "#3b82c4", "#c2410c", "#7c5cbf", "#0f766e", "#a16207"];
  var instances = charts.map(function (chart) {
    var el = document.getElementById("chart-" + chart.key);
    var instance = echarts.init(el, null, { renderer: "svg" });
    var option = Object.assign({ color: palette, animation: false,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" } }, chart.option);
    if (option.xAxis && option.xAxis.type === "category" && option.xAxis.data.length <= 12) {
      // Show every category, wrapping long names instead of hiding every other one.
      option.xAxis.axisLabel = Object.assign({ interval: 0, overflow: "break",
        width: Math.max(48, el.clientWidth / Math.max(1, option.xAxis.data.length) - 8) },
        option.xAxis.axisLabel || {});
    }
    instance.setOption(option);
    return instance;
  });
  window.addEventListener("resize", function () {
    instances.forEach(function (i) { i.resize(); });
  });
})();
