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
// A form the browser will not send (a field fails its own check: empty, a date it cannot read)
// says why beside the field, as text, not only in a bubble that may never show. "invalid" does not
// bubble, so it is caught on the way down; the note goes once the field is changed.
document.addEventListener("invalid", (e) => {
  const field = e.target;
  if (!field.form || !field.validationMessage) return;
  let note = field.nextElementSibling;
  if (!note || !note.matches(".field-error[data-client-check]")) {
    note = document.createElement("span");
    note.className = "field-error error";
    note.dataset.clientCheck = "";
    note.setAttribute("role", "alert");
    field.insertAdjacentElement("afterend", note);
  }
  note.textContent = field.validationMessage;
}, true);
document.addEventListener("input", (e) => {
  const note = e.target.nextElementSibling;
  if (note && note.matches(".field-error[data-client-check]") && e.target.checkValidity()) note.remove();
});
