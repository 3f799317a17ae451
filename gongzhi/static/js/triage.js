// Hot-issue board: a Leaflet map of issues and an ECharts trend of daily counts.
(function () {
  const holder = document.getElementById("hot-data");
  if (!holder) return;
  const data = JSON.parse(holder.textContent);
  const mapEl = document.getElementById("hot-map");
  if (mapEl && window.L) {
    const map = L.map(mapEl, { attributionControl: false });
    const tiles = document.body.dataset.tiles;
    if (tiles) L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
    const pts = [];
    (data.markers || []).forEach((m) => {
      const marker = L.circleMarker([m.lat, m.lon], { radius: 6 + Math.min(14, Math.sqrt(m.size) * 3), color: "#b42318", fillOpacity: 0.5 })
        .bindTooltip(Gongzhi.text((mapEl.dataset.tip || "#{rank} {title} ({size})").replace(/\{(\w+)\}/g,
          (s, k) => (k in m ? String(m[k]) : s))))  // worded by the page (data-tip); a title is text, not HTML
        .on("click", () => { window.location = mapEl.dataset.link + m.id + "/"; })
        .addTo(map);
      pts.push([m.lat, m.lon]);
    });
    if (pts.length) map.fitBounds(pts, { padding: [30, 30], maxZoom: 15 }); else map.setView([30.27, 120.15], 12);
  }
  const trendEl = document.getElementById("hot-trend");
  if (trendEl && window.echarts) {
    const days = Array.from(new Set((data.series || []).flatMap((s) => s.points.map((p) => p[0])))).sort();
    const chart = echarts.init(trendEl);
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: { type: "scroll" }, grid: { left: 40, right: 20, bottom: 30, top: 40 },
      xAxis: { type: "category", data: days }, yAxis: { type: "value", minInterval: 1 },
      series: (data.series || []).map((s) => {
        const m = Object.fromEntries(s.points);
        return { name: s.name, type: "line", smooth: true, data: days.map((d) => m[d] || 0) };
      }),
    });
    window.addEventListener("resize", () => chart.resize());
  }
})();
