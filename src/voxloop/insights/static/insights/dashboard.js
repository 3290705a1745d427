/* The insights dashboard: draws every chart from one JSON endpoint and polls it every 5 s. */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("insights-text").textContent);
  var url = document.getElementById("insights-config").dataset.url;
  var charts = {};
  var sparks = {};
  window.addEventListener("resize", function () {
    Object.keys(sparks).forEach(function (k) { sparks[k].resize(); });
  });
  var REFRESH_MS = 5000;

  function fmt(x, digits) {
    if (x === null || x === undefined || Number.isNaN(x)) return "—";
    return Number(x).toFixed(digits === undefined ? 1 : digits);
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function chart(id) {
    if (!window.echarts) return null;
    var node = document.getElementById(id);
    if (!node) return null;
    if (!charts[id]) {
      charts[id] = window.echarts.init(node);
      window.addEventListener("resize", function () { charts[id].resize(); });
    }
    return charts[id];
  }
  var toolbox = { feature: { saveAsImage: { title: T.save_image, pixelRatio: 2 } }, right: 8 };

  function tiles(data) {
    var box = document.getElementById("tiles");
    var pending = [];
    box.textContent = "";
    ["nps", "csat", "ces", "volume", "negative_share"].forEach(function (key) {
      var t = data.tiles[key];
      var digits = key === "volume" ? 0 : 1;
      var tile = el("article", { class: "tile card", "data-kpi": key });
      tile.appendChild(el("h3", {}, T[key]));
      var unit = key === "csat" || key === "negative_share" ? " %" : "";
      tile.appendChild(el("p", { class: "tile-value" }, fmt(t.value, digits) + (t.value === null ? "" : unit)));
      if (t.low !== null && t.high !== null) {
        tile.appendChild(el("p", { class: "tile-interval muted small", title: T.interval },
          "[" + fmt(t.low, digits) + ", " + fmt(t.high, digits) + "] · n=" + t.n));
      }
      var c = t.change;
      if (c && c.delta !== null) {
        var sign = c.delta > 0 ? "+" : "";
        tile.appendChild(el("p", { class: "tile-change small " + (c.significant ? "significant" : "") },
          sign + fmt(c.delta, 1) + (key === "volume" ? " %" : "") + " " + T.vs_previous + " · " +
          (c.significant ? T.significant : T.not_significant)));
      }
      if (t.small_sample && t.n > 0) tile.appendChild(el("p", { class: "badge warn small" }, T.small_sample));
      var spark = el("div", { class: "sparkline", id: "spark-" + key });
      tile.appendChild(spark);
      box.appendChild(tile);
      pending.push([key, spark, t.sparkline]);
    });
    // Draw once every tile is in the grid, so each chart takes its final width.
    if (!window.echarts) return;
    pending.forEach(function (p) {
      if (sparks[p[0]]) sparks[p[0]].dispose();
      var s = sparks[p[0]] = window.echarts.init(p[1]);
      s.setOption({
        animation: false, grid: { left: 0, right: 0, top: 2, bottom: 2 },
        xAxis: { type: "category", show: false, data: p[2].map(function (_, i) { return i; }) },
        yAxis: { type: "value", show: false, scale: true },
        series: [{ type: "line", data: p[2], showSymbol: false, connectNulls: true, lineStyle: { width: 1.5 } }],
      });
    });
  }

  function timeseries(s) {
    var c = chart("chart-timeseries"); if (!c) return;
    c.setOption({
      toolbox: toolbox, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 40, right: 40, top: 30, bottom: 30 },
      xAxis: { type: "category", data: s.days },
      yAxis: [{ type: "value" }],
      series: [
        { name: T.negative, type: "bar", stack: "s", data: s.negative, color: "#d9534f" },
        { name: T.neutral, type: "bar", stack: "s", data: s.neutral, color: "#aab2bd" },
        { name: T.positive, type: "bar", stack: "s", data: s.positive, color: "#3c9d5d" },
        { name: T.volume, type: "line", data: s.volume, showSymbol: false, color: "#2f5aa8" },
      ],
    }, true);
  }

  function heatmap(h) {
    var c = chart("chart-heatmap"); if (!c) return;
    c.setOption({
      toolbox: toolbox, tooltip: { formatter: function (p) {
        return h.topics[p.value[1]] + " · " + h.weeks[p.value[0]] + "<br>" + fmt(p.value[2]) + " % (n=" + p.value[3] + ")";
      } },
      grid: { left: 140, right: 20, top: 10, bottom: 90 },
      xAxis: { type: "category", data: h.weeks, splitArea: { show: true } },
      yAxis: { type: "category", data: h.topics, splitArea: { show: true } },
      visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: ["#f4f7fb", "#f3b09c", "#c0392b"] } },
      series: [{ type: "heatmap", data: h.cells.filter(function (x) { return x[2] !== null; }) }],
    }, true);
  }

  function movers(m) {
    var c = chart("chart-movers");
    if (c) c.setOption({
      toolbox: toolbox, tooltip: {}, grid: { left: 140, right: 30, top: 20, bottom: 30 },
      xAxis: { type: "value" }, yAxis: { type: "category", data: m.map(function (r) { return r.name; }).reverse() },
      series: [{ type: "bar", data: m.map(function (r) {
        return { value: r.delta, itemStyle: { color: r.delta > 0 ? "#c0392b" : "#3c9d5d", opacity: r.significant ? 1 : 0.45 } };
      }).reverse() }],
    }, true);
    var table = document.getElementById("movers-table");
    table.textContent = "";
    var head = el("tr"); [T.topic, T.negative_now, T.negative_before, T.change].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    table.appendChild(head);
    m.forEach(function (r) {
      var tr = el("tr", { "data-topic": r.topic });
      tr.appendChild(el("td", {}, r.name));
      tr.appendChild(el("td", {}, String(r.negative)));
      tr.appendChild(el("td", {}, String(r.previous_negative)));
      tr.appendChild(el("td", { class: r.significant ? "significant" : "" },
        (r.change === null ? T.new_topic : (r.change > 0 ? "+" : "") + fmt(r.change, 0) + " %") + (r.significant ? " *" : "")));
      table.appendChild(tr);
    });
  }

  function drivers(d) {
    var c = chart("chart-drivers"); if (!c) return;
    c.setOption({
      toolbox: toolbox, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 140, right: 30, top: 30, bottom: 30 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: d.map(function (r) { return r.name; }).reverse() },
      series: [
        { name: T.nps_impact, type: "bar", data: d.map(function (r) { return r.nps_impact === null ? null : +r.nps_impact.toFixed(2); }).reverse(), color: "#c0392b" },
        { name: T.csat_impact, type: "bar", data: d.map(function (r) { return r.csat_impact === null ? null : +r.csat_impact.toFixed(2); }).reverse(), color: "#e67e22" },
      ],
    }, true);
  }

  function wordcloud(words) {
    var box = document.getElementById("chart-wordcloud");
    box.textContent = "";
    if (!words.length) { box.appendChild(el("p", { class: "muted" }, T.no_data)); return; }
    words.forEach(function (w) {
      var size = 0.8 + 1.6 * w.weight;
      var span = el("span", { class: "tag", style: "font-size:" + size.toFixed(2) + "rem;opacity:" + (0.55 + 0.45 * w.weight).toFixed(2) }, w.text);
      box.appendChild(span);
      box.appendChild(document.createTextNode(" "));
    });
  }

  function breakdown(id, rows) {
    var c = chart(id); if (!c) return;
    c.setOption({
      toolbox: toolbox, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 110, right: 40, top: 30, bottom: 30 },
      xAxis: [{ type: "value" }],
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }).reverse() },
      series: [
        { name: T.volume, type: "bar", data: rows.map(function (r) { return r.volume; }).reverse(), color: "#2f5aa8" },
        { name: T.negative_share, type: "bar", data: rows.map(function (r) { return r.negative_share === null ? null : +r.negative_share.toFixed(1); }).reverse(), color: "#c0392b" },
      ],
    }, true);
  }

  function draw(data) {
    tiles(data.kpis);
    timeseries(data.timeseries);
    heatmap(data.heatmap);
    movers(data.movers);
    drivers(data.drivers);
    wordcloud(data.wordcloud);
    breakdown("chart-channels", data.channels);
    breakdown("chart-segments", data.segments);
    document.body.dataset.dashboardUpdated = String(Date.now());
  }

  var last = "";
  function refresh() {
    if (document.hidden) { setTimeout(refresh, REFRESH_MS); return; }
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (text) { if (text !== last) { last = text; draw(JSON.parse(text)); } })
      .catch(function () { document.getElementById("tiles").setAttribute("title", T.refresh_failed); })
      .finally(function () { setTimeout(refresh, REFRESH_MS); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
  else refresh();
})();
