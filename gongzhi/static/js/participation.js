// Participation's public pages: the proposals' map (Leaflet, points at about 100 m) and the survey
// results' charts (ECharts). The data come from the page as JSON in data- attributes; text is
// set as text, never as HTML.
(function () {
  "use strict";

  function proposalMap(el) {
    if (!window.L) { return; }
    var points = [];
    try { points = JSON.parse(el.dataset.points || "[]"); } catch (e) { points = []; }
    if (!points.length) { el.hidden = true; return; }
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "© OpenStreetMap" }).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.marker([p.lat, p.lon], { title: p.title, alt: p.title }).addTo(map);
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.title;
      marker.bindPopup(link);
      bounds.push([p.lat, p.lon]);
    });
    map.fitBounds(bounds, { maxZoom: 15, padding: [20, 20] });
  }

  function surveyCharts(el) {
    if (!window.echarts) { return; }
    var charts = [];
    try { charts = JSON.parse(el.dataset.charts || "[]"); } catch (e) { charts = []; }
    charts.forEach(function (c) {
      var box = document.getElementById("chart-" + c.id);
      if (!box) { return; }
      var chart = window.echarts.init(box);
      chart.setOption({
        grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: c.labels, inverse: true },
        tooltip: {},
        series: [{ type: "bar", data: c.counts, itemStyle: { color: "#1f6feb" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var map = document.getElementById("proposal-map");
    if (map) { proposalMap(map); }
    var charts = document.getElementById("survey-charts");
    if (charts) { surveyCharts(charts); }
  });
}());
