// Staff pages: keyboard shortcuts for the desk. Every page also works without JavaScript.
(function () {
  "use strict";
  // Ctrl+Enter (or Cmd+Enter) in a long text field submits its form: the desk is keyboard-driven.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && t && t.matches && t.matches("textarea[data-submit-on-ctrl-enter]")) {
      e.preventDefault();
      if (t.form) { t.form.requestSubmit ? t.form.requestSubmit() : t.form.submit(); }
    }
  });
})();
