// The operator desk: picking a suggested place, category or standard answer fills the form.
// The suggestions come from htmx fragments (staff/_desk_places.html, staff/_desk_live.html).
(function () {
  "use strict";
  function byId(id) { return document.getElementById(id); }
  function set(id, value) { var el = byId(id); if (el) { el.value = value || ""; } }

  document.addEventListener("click", function (e) {
    var place = e.target.closest ? e.target.closest(".place-pick") : null;
    if (place) {
      var d = place.dataset;
      var typed = byId("id_location_text");
      if (typed && typed.value.indexOf(d.name) < 0) { typed.value = d.name; }  // keep "…路18号" as typed
      set("id_region", d.region);
      set("id_lat", d.lat);
      set("id_lon", d.lon);
      var picked = byId("place-picked");
      if (picked) { picked.textContent = "\u2714 " + d.label; }
      var list = byId("place-suggestions");
      if (list) { list.innerHTML = ""; }
      return;
    }
    var category = e.target.closest ? e.target.closest(".category-pick") : null;
    if (category) {
      set("id_category", category.dataset.category);
      return;
    }
    var answer = e.target.closest ? e.target.closest(".kb-pick") : null;
    if (answer) {
      set("id_knowledge", answer.dataset.knowledge);
      set("id_answer_text", answer.dataset.answer);
      var box = byId("direct-answer");
      if (box) { box.hidden = false; }
      var text = byId("id_answer_text");
      if (text) { text.focus(); }
    }
  });

  // Typing a new location forgets the place picked before (its region and point no longer apply).
  document.addEventListener("input", function (e) {
    if (e.target && e.target.id === "id_location_text") {
      set("id_region", ""); set("id_lat", ""); set("id_lon", "");
      var picked = byId("place-picked");
      if (picked) { picked.textContent = ""; }
    }
  });
})();
