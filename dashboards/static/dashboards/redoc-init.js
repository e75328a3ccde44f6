// Starts ReDoc on /api/redoc/ from a static file, so the page runs no inline script.
"use strict";
(function () {
  const container = document.getElementById("redoc-container");
  const settings = JSON.parse(document.getElementById("redoc-settings").textContent);
  Redoc.init(container.dataset.specUrl, settings, container);
})();
