/* Starts Swagger UI on /docs (a file, so the page needs no inline script). */
(function () {
  "use strict";
  var el = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: el.getAttribute("data-spec"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset].filter(Boolean)
  });
})();
