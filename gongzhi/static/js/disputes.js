// The map of disputes and petitions (disputes/map.html): grid polygons coloured by the worst open
// risk level, communities' circles for what has no grid (and petitions), drawn from json_script data
// of unit names and counts only. Tooltips are text (Gongzhi.text), never HTML.
(function () {
  "use strict";

  var RISK = { red: "#c0392b", orange: "#e67e22", yellow: "#f1c40f", blue: "#2f6fb0" };
  var NONE = "#7f8c8d";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function go(url) {
    return function () { if (url) window.location.href = url; };
  }

  function drawMap() {
    var el = document.querySelector("[data-map='disputes-map-data']");
    if (!el || typeof L === "undefined") return;
    var data = readJSON(el.dataset.map) || { grids: [], communities: [] };
    // tiles only when a tile server is configured (GONGZHI_TILE_URL); the polygons carry the data
    var map = L.map(el, { attributionControl: Boolean(el.dataset.tiles) });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map);
    var layers = [];
    (data.grids || []).forEach(function (g) {
      if (!g.polygon || !g.polygon.length) return;
      var latlngs = g.polygon.map(function (p) { return [p[1], p[0]]; });
      var colour = RISK[g.worst] || NONE;
      var poly = L.polygon(latlngs, { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.45 });
      poly.bindTooltip(Gongzhi.text(g.tip));
      poly.on("click", go(g.url));
      poly.addTo(map);
      layers.push(poly);
    });
    (data.communities || []).forEach(function (c) {
      if (c.lat === null || c.lon === null || c.lat === undefined || c.lon === undefined) return;
      var size = (c.disputes || 0) + (c.petitions || 0);
      var colour = RISK[c.worst] || NONE;
      var marker = L.circleMarker([c.lat, c.lon], { radius: 6 + Math.min(14, size), color: colour, weight: 2,
                                                    fillColor: colour, fillOpacity: 0.35, dashArray: c.disputes ? null : "4 3" });
      marker.bindTooltip(Gongzhi.text(c.tip));
      marker.on("click", go(c.disputes ? c.url : c.petition_url));
      marker.addTo(map);
      layers.push(marker);
    });
    if (layers.length) {
      map.fitBounds(L.featureGroup(layers).getBounds(), { padding: [12, 12], maxZoom: 16 });
    } else {
      map.setView([39.9, 116.4], 10);
    }
    el.dataset.rendered = String(layers.length);
  }

  document.addEventListener("DOMContentLoaded", drawMap);
})();
