// The command board's map: the incident, the warehouses and the sensors (data from the page); their
// names go into the tooltips as text (Gongzhi.text), never as HTML.
(function () {
  "use strict";
  const el = document.getElementById("incident-map");
  const dataEl = document.getElementById("incident-map-data");
  if (!el || !dataEl || !window.L) return;
  const data = JSON.parse(dataEl.textContent);
  const tiles = document.body.dataset.tiles;
  const map = window.L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(tiles) });
  if (tiles) window.L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  const points = [];
  if (data.lat !== null && data.lon !== null) {
    window.L.circleMarker([data.lat, data.lon], { radius: 10, color: "#c0392b" }).bindTooltip(window.Gongzhi.text(data.title)).addTo(map);
    points.push([data.lat, data.lon]);
  }
  (data.warehouses || []).forEach(function (w) {
    window.L.circleMarker([w.lat, w.lon], { radius: 6, color: "#2c7be5" }).bindTooltip(window.Gongzhi.text(w.name)).addTo(map);
    points.push([w.lat, w.lon]);
  });
  (data.devices || []).forEach(function (d) {
    window.L.circleMarker([d.lat, d.lon], { radius: 4, color: d.online ? "#27ae60" : "#7f8c8d" }).bindTooltip(window.Gongzhi.text(d.name)).addTo(map);
    points.push([d.lat, d.lon]);
  });
  if (points.length) map.fitBounds(points, { padding: [20, 20], maxZoom: 15 });
  else map.setView([39.9, 116.4], 11);
})();
