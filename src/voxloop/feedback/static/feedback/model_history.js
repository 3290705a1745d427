/* Taxonomy page: held-out accuracy of each model version as a small line chart. */
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("model-accuracy-chart");
    var data = document.getElementById("model-accuracy-data");
    var names = document.getElementById("model-accuracy-labels");
    if (!node || !data || !names || !window.echarts) return;
    var rows = JSON.parse(data.textContent);
    var labels = JSON.parse(names.textContent);
    var series = ["topics", "sentiment", "kind"]
      .filter(function (key) { return rows.some(function (r) { return r[key] !== null; }); })
      .map(function (key) {
        return {
          name: labels[key], type: "line", connectNulls: true, symbolSize: 6,
          data: rows.map(function (r) { return r[key]; })
        };
      });
    var chart = window.echarts.init(node);
    chart.setOption({
      animation: false,
      grid: { left: 34, right: 8, top: 24, bottom: 20 },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + " %"; } },
      xAxis: { type: "category", data: rows.map(function (r) { return r.version; }),
               axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}", fontSize: 10 } },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
