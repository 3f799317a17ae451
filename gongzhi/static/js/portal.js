// Location picking on a Leaflet map: a click fills the hidden lat/lon fields. Grid polygons are
// drawn from JSON (an endpoint or an embedded script tag), tiles only when configured, so the map
// works offline as a plain outline. Without JavaScript the typed location is enough.
(function () {
  "use strict";

  function byId(id) { return id ? document.getElementById(id) : null; }

  function loadGrids(el) {
    var inline = byId(el.dataset.gridsScript);
    if (inline) {
      try { return Promise.resolve(JSON.parse(inline.textContent)); } catch (e) { return Promise.resolve([]); }
    }
    if (!el.dataset.gridsUrl) { return Promise.resolve([]); }
    return fetch(el.dataset.gridsUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { grids: [] }; })
      .then(function (d) { return d.grids || d || []; })
      .catch(function () { return []; });
  }

  function setup(el) {
    if (typeof L === "undefined") { return; }
    var lat = byId(el.dataset.lat), lon = byId(el.dataset.lon), hint = byId(el.dataset.hint);
    var map = L.map(el, { attributionControl: Boolean(el.dataset.tiles) });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    map.setView([39.9, 116.4], 12);
    var marker = null;

    function place(latlng, name) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 8, color: "#b42318", fillOpacity: 0.8 }).addTo(map); }
      if (lat) { lat.value = latlng.lat.toFixed(6); }
      if (lon) { lon.value = latlng.lng.toFixed(6); }
      if (hint) {  // worded by the page in its language (data-picked, data-picked-named); text, not HTML
        var words = { lat: latlng.lat.toFixed(5), lon: latlng.lng.toFixed(5), name: name || "" };
        var pattern = (name ? el.dataset.pickedNamed : el.dataset.picked) || "{lat}, {lon}";
        hint.textContent = pattern.replace(/\{(\w+)\}/g, function (m, k) { return k in words ? words[k] : m; });
      }
    }

    loadGrids(el).then(function (grids) {
      var layers = [];
      (grids || []).forEach(function (g) {
        if (!g.polygon || g.polygon.length < 3) { return; }
        var poly = L.polygon(g.polygon.map(function (p) { return [p[1], p[0]]; }),
          { color: "#1d4ed8", weight: 1, fillOpacity: 0.08 });
        poly.bindTooltip(Gongzhi.text(g.name), { sticky: true });
        poly.on("click", function (e) { place(e.latlng, g.name); L.DomEvent.stopPropagation(e); });
        poly.addTo(map);
        layers.push(poly);
      });
      if (layers.length) { map.fitBounds(L.featureGroup(layers).getBounds(), { padding: [10, 10], animate: false }); }
      if (lat && lon && lat.value && lon.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value))); }
      el.dataset.ready = "1";
    });
    map.on("click", function (e) { place(e.latlng); });
  }

  // Anonymous appeals hide the personal fields (they are not sent).
  function anonymousToggle(box) {
    var target = byId(box.dataset.hides);
    if (!target) { return; }
    function sync() { target.hidden = box.checked; }
    box.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map=pick]").forEach(setup);
    document.querySelectorAll("input[data-hides]").forEach(anonymousToggle);
  });
})();
