// Queue pages: "tick all", and one confirmation naming how many appeals a bulk action will touch.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var all = e.target.closest && e.target.closest("[data-check-all]");
    if (!all) return;
    all.form.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-bulk-confirm]");
    if (!button) return;
    var form = button.form;
    var n = form.querySelectorAll("input[name=ids]:checked").length;
    var select = form.querySelector("select[name=action]");
    if (!n) { e.preventDefault(); window.alert(button.dataset.bulkEmpty); return; }
    var label = select ? select.options[select.selectedIndex].text : "";
    var text = button.dataset.bulkConfirm.replace("{n}", n).replace("{action}", label);
    if (!window.confirm(text)) e.preventDefault();
  });
})();
