/* The /api/v1/docs page: Swagger UI from the platform's own static files (no CDN, no inline script,
   no call to the online validator). Settings come from the page's json_script. */
(function () {
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(settings);
})();
