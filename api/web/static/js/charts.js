/* Dashboard charts: each [data-chart] element holds its data as JSON (the same numbers as the
   table beneath it); drawn with the app's own echarts. Suppressed cells (null) are gaps. */
(function () {
  "use strict";
  var COLOURS = ["#1a4fa3", "#00703c", "#b3261e", "#6f4e00", "#4c2c92", "#505a5f", "#0b0c0c", "#8a4b00"];
  function draw(el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var horizontal = !!spec.horizontal;
    if (horizontal) { el.style.height = Math.max(220, 40 + spec.categories.length * 34) + "px"; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var category = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
    var value = { type: "value", minInterval: 1 };
    chart.setOption({
      color: COLOURS,
      animation: false,
      textStyle: { fontFamily: "WenQuanYi Micro Hei, Microsoft YaHei, sans-serif" },
      tooltip: { trigger: "axis" },
      legend: spec.series.length > 1 ? { type: "scroll", top: 0 } : undefined,
      grid: { left: 8, right: 16, top: spec.series.length > 1 ? 36 : 12, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", stack: spec.stack ? "all" : undefined, data: s.data };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
