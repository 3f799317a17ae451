// Small progressive enhancements; every page works without JavaScript.
//
// Data goes into the page as text, never as HTML. Leaflet treats a string given to bindTooltip or
// bindPopup as HTML, so callers pass Gongzhi.text(value), a node carrying the value as text; an
// ECharts tooltip formatter returns HTML, so it escapes what it puts in with Gongzhi.escapeHTML.
window.Gongzhi = {
  text(value) {
    const el = document.createElement("span");
    el.textContent = value === null || value === undefined ? "" : String(value);
    return el;
  },
  escapeHTML(value) {
    const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, (c) => entities[c]);
  },
};

document.addEventListener("click", (e) => {
  const btn = e.target.closest("[data-confirm]");
  if (btn && !window.confirm(btn.dataset.confirm)) e.preventDefault();
});
document.addEventListener("change", (e) => {
  if (e.target.matches("select[data-autosubmit]")) e.target.form.submit();
});
