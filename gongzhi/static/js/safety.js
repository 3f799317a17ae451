// Safety pages: charts (ECharts) and maps (Leaflet). Data arrives through json_script elements
// named by each container's data-source; the CSP forbids inline scripts, so everything is here.
(function () {
  "use strict";

  function readJson(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  // Data is text, never HTML: Leaflet tooltips get text nodes, ECharts formatters escape.
  const text = (value) => window.Gongzhi.text(value);
  const html = (value) => window.Gongzhi.escapeHTML(value);

  // Words the charts and maps draw, in the page's language (safety/_base.html, #safety-text).
  const words = (document.getElementById("safety-text") || { dataset: {} }).dataset;
  const say = (key, fallback, vars) => String(words[key] || fallback)
    .replace(/\{(\w+)\}/g, (m, name) => (vars && name in vars ? String(vars[name]) : m));
  const WEEKDAYS = (words.weekdays || "周一|周二|周三|周四|周五|周六|周日").split("|");
  const HOURS = Array.from({ length: 24 }, (_, h) => String(h));

  function chart(el) {
    if (!window.echarts || !el) return null;
    const c = window.echarts.init(el, null, { renderer: "svg" });
    window.addEventListener("resize", () => c.resize());
    c.on("finished", () => { el.dataset.rendered = "1"; });
    return c;
  }

  function heatmap(data) {
    const el = document.getElementById("heatmap");
    const c = chart(el);
    if (!c) return;
    const select = document.getElementById("heat-type");
    function draw(type) {
      const m = data.heat[type] || data.heat.all;
      const points = [];
      let max = 1;
      m.forEach((row, d) => row.forEach((v, h) => { points.push([h, d, v]); if (v > max) max = v; }));
      c.setOption({
        tooltip: { position: "top", formatter: (p) => html(say("heatTip", "{day} {hour}时：{n} 起", { day: WEEKDAYS[p.value[1]], hour: p.value[0], n: p.value[2] })) },
        grid: { left: 50, right: 20, top: 10, bottom: 60 },
        xAxis: { type: "category", data: HOURS, name: say("hour", "时"), splitArea: { show: true } },
        yAxis: { type: "category", data: WEEKDAYS, inverse: true, splitArea: { show: true } },
        visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                     inRange: { color: ["#f7fbff", "#fdae61", "#d7191c"] } },
        series: [{ type: "heatmap", data: points, emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }],
      }, true);
    }
    draw("all");
    if (select) select.addEventListener("change", () => draw(select.value));
  }

  function trend(data) {
    const c = chart(document.getElementById("trend-chart"));
    if (!c) return;
    const names = Object.keys(data.trend.counts);
    c.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0, formatter: (n) => (n === "all" ? say("all", "全部") : n) },
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: data.trend.months },
      yAxis: { type: "value", name: say("incidents", "起") },
      series: names.map((n) => ({ name: n, type: "line", smooth: true, showSymbol: false, data: data.trend.counts[n],
                                  lineStyle: n === "all" ? { width: 3 } : { width: 1.5 } })),
    });
  }

  function premises(data) {
    const c = chart(document.getElementById("premises-chart"));
    if (!c) return;
    const rows = data.premises.slice(0, 12).reverse();
    c.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 110, right: 30, top: 10, bottom: 30 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: rows.map((r) => r.premises) },
      series: [{ type: "bar", data: rows.map((r) => r.count), itemStyle: { color: "#1d4ed8" } }],
    });
  }

  // ------------------------------------------------------------------ maps
  function baseMap(el) {
    if (!window.L) return null;
    // Tiles only when a tile server is configured (GONGZHI_TILE_URL, which the CSP then allows).
    const tiles = document.body.dataset.tiles;
    const map = window.L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(tiles) });
    if (tiles) window.L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    return map;
  }

  const ll = (ring) => ring.map((p) => [p[1], p[0]]);

  function fit(map, layers, fallback) {
    const group = window.L.featureGroup(layers).addTo(map);
    if (layers.length) map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 16 });
    else map.setView(fallback || [39.9, 116.4], 11);
  }

  function color(t) { // 0..1 -> yellow..red
    const stops = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
    return stops[Math.min(stops.length - 1, Math.floor(t * stops.length))];
  }

  const drawers = {
    point(map, d) {
      fit(map, [window.L.circleMarker([d.lat, d.lon], { radius: 8, color: "#b42318" }).bindTooltip(text(d.label))]);
      map.setZoom(15);
    },
    density(map, d) {
      const cells = d.density.cells;
      const max = cells.length ? cells[0].count : 1;
      fit(map, cells.map((c) => window.L.polygon(ll(c.ring), {
        weight: 0, fillOpacity: 0.65, fillColor: color(Math.sqrt(c.count / max) * 0.999),
      }).bindTooltip(text(say("count", "{n} 起", { n: c.count })))));
    },
    cells(map, d) {
      const layers = (d.cells || []).map((c) => window.L.polygon(ll(c.ring), {
        color: "#b42318", weight: 1, fillOpacity: 0.45, fillColor: color(Math.max(0, 1 - (c.rank - 1) / (d.cells.length || 1)) * 0.999),
      }).bindTooltip(text(say("rankTip", "第 {rank} 名 · 预计 {score} 起/周", { rank: c.rank, score: c.score.toFixed(2) }))));
      (d.roster || []).forEach((r) => layers.push(window.L.circleMarker([r.lat, r.lon], { radius: 6, color: "#1d4ed8" })
        .bindTooltip(text(r.unit + " " + r.hours))));
      (d.points || []).forEach((p) => layers.push(window.L.circleMarker([p.lat, p.lon], { radius: 5, color: "#111" })
        .bindTooltip(text(p.time + " " + p.type))));
      fit(map, layers);
    },
    "near-repeat"(map, flags) {
      // a circle needs a map view before it has bounds: set the view from the centres first
      const centres = flags.map((f) => [f.lat, f.lon]);
      if (centres.length) map.fitBounds(window.L.latLngBounds(centres).pad(0.3), { maxZoom: 16 });
      else map.setView([39.9, 116.4], 11);
      window.L.featureGroup(flags.map((f) => window.L.circle([f.lat, f.lon], {
        radius: f.radius_m, color: f.triggers > 1 ? "#b42318" : "#b54708", weight: 1, fillOpacity: 0.25,
      }).bindTooltip(text(say("flagTip", "{type} {time} · 预警至 {until}", f))))).addTo(map);
    },
  };

  function maps() {
    document.querySelectorAll("[data-map]").forEach((el) => {
      const data = readJson(el.dataset.source);
      const draw = drawers[el.dataset.map];
      if (!data || !draw) return;
      const map = baseMap(el);
      if (!map) return;
      draw(map, data);
      el.dataset.rendered = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const p = readJson("patterns-data");
    if (p && p.total) { heatmap(p); trend(p); premises(p); }
    maps();
    document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  });
})();
