/* The impact chart: per code, cases that gain it, lose it, or become needs_info. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("impact-chart");
    var data = document.getElementById("impact-data");
    if (!box || !data || !window.echarts) { return; }
    var d = JSON.parse(data.textContent);
    var chart = window.echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["新增符合", "不再符合", "变为需补充信息"] },
      grid: { containLabel: true, left: 8, right: 8 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: d.labels },
      series: [
        { name: "新增符合", type: "bar", data: d.gained },
        { name: "不再符合", type: "bar", data: d.lost },
        { name: "变为需补充信息", type: "bar", data: d.to_needs_info }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
