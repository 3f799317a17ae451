// Evaluation dashboards: ECharts charts and the Leaflet grid map, drawn from json_script data.
// The numbers of every chart are also in a <details class="sr-table"> table beside it.
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  var palette = ["#2f6fb0", "#27ae60", "#e67e22", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"];

  function option(spec) {
    var fmt = spec.percent ? "{value}%" : "{value}";
    var tooltip = { trigger: spec.type === "pie" ? "item" : "axis" };
    if (spec.type === "pie") {
      var s = spec.series[0] || { data: [] };
      return {
        color: palette, tooltip: tooltip, legend: { type: "scroll", bottom: 0 },
        series: [{ name: s.name, type: "pie", radius: ["28%", "52%"], avoidLabelOverlap: true,
          label: { formatter: "{b}\n{c}", overflow: "none" },
          data: spec.categories.map(function (c, i) { return { name: c, value: s.data[i] }; }) }]
      };
    }
    var horizontal = spec.type === "hbar";
    var catAxis = { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: horizontal ? 0 : (spec.categories.length > 8 ? 30 : 0) } };
    var valAxis = { type: "value", axisLabel: { formatter: fmt } };
    if (spec.percent) { valAxis.max = 100; }
    return {
      color: palette, tooltip: tooltip, legend: { top: 0 },
      grid: { left: horizontal ? 120 : 50, right: 20, top: 36, bottom: 50 },
      xAxis: horizontal ? valAxis : catAxis,
      yAxis: horizontal ? Object.assign({}, catAxis, { inverse: true }) : valAxis,
      series: markPartial(spec, spec.series.map(function (s) {
        return { name: s.name, type: spec.type === "line" ? "line" : "bar", data: s.data, connectNulls: true,
                 smooth: spec.type === "line", label: { show: spec.type !== "line" && s.data.length <= 15, position: horizontal ? "right" : "top" } };
      }))
    };
  }

  // A month still running (spec.partial, its position) is shaded and labelled, its points hollow and
  // its bars pale, so a half-counted month does not read as a fall.
  function markPartial(spec, series) {
    var i = spec.partial;
    if (typeof i !== "number" || i < 0 || i >= spec.categories.length) return series;
    series.forEach(function (s, n) {
      s.data = s.data.map(function (v, j) {
        if (j !== i || v === null || v === undefined) return v;
        return s.type === "line" ? { value: v, symbol: "emptyCircle", symbolSize: 9 } : { value: v, itemStyle: { opacity: 0.4 } };
      });
      if (n === 0) {
        var cat = spec.categories[i];
        s.markArea = { silent: true, itemStyle: { color: "rgba(230,126,34,0.10)" },
                       label: { show: true, position: "insideTop", color: "#b35c00", formatter: String(spec.partial_label || "").replace(/[{}]/g, "") },
                       data: [[{ xAxis: cat }, { xAxis: cat }]] };
      }
    });
    return series;
  }

  function drawCharts() {
    var specs = readJSON("chart-data");
    if (!specs || typeof echarts === "undefined") return;
    specs.forEach(function (spec) {
      var el = document.getElementById("chart-" + spec.id);
      if (!el) return;
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(spec));
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function colour(count, max) {
    if (!count) return "#dfe7ef";
    var t = Math.min(1, count / (max || 1));
    var r = Math.round(255 - t * (255 - 192)), g = Math.round(230 - t * (230 - 57)), b = Math.round(200 - t * (200 - 43));
    return "rgb(" + r + "," + g + "," + b + ")";
  }

  function drawMap() {
    var el = document.querySelector("[data-map]");
    if (!el || typeof L === "undefined") return;
    var data = readJSON(el.dataset.map) || { grids: [] };
    // tiles only when a tile server is configured (GONGZHI_TILE_URL, allowed by the CSP); the grid
    // polygons carry the information on their own
    var map = L.map(el, { attributionControl: Boolean(el.dataset.tiles) });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map);
    var max = 0;
    data.grids.forEach(function (g) { if (g.count > max) max = g.count; });
    var layers = [];
    data.grids.forEach(function (g) {
      if (!g.polygon || !g.polygon.length) return;
      var latlngs = g.polygon.map(function (p) { return [p[1], p[0]]; });
      var poly = L.polygon(latlngs, { color: "#555", weight: 1, fillColor: colour(g.count, max), fillOpacity: 0.7 });
      poly.bindTooltip(Gongzhi.text(g.tip));  // worded by the view in the reader's language; text, not HTML
      poly.on("click", function () { window.location.href = g.url; });
      poly.addTo(map);
      layers.push(poly);
    });
    (data.hot || []).forEach(function (h) {
      var marker = L.circleMarker([h.lat, h.lon], { radius: 6 + Math.min(14, h.size), color: "#c0392b", weight: 2, fillOpacity: 0.35 });
      marker.bindTooltip(Gongzhi.text(h.tip));
      marker.addTo(map);
    });
    if (layers.length) {
      map.fitBounds(L.featureGroup(layers).getBounds(), { padding: [10, 10] });
    } else {
      map.setView([39.9, 116.4], 10);
    }
    el.dataset.rendered = "1";
  }

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    drawMap();
  });
})();
