// Printable pages: the toolbar's print button (inline handlers are not allowed by the CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { e.preventDefault(); window.print(); }
  });
})();
