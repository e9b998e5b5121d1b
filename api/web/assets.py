"""The static files pages refer to, by name: vendored packages are pinned by folder name
(see static/vendor/README.md for versions, licences and checksums)."""

from __future__ import annotations

ASSETS: dict[str, str] = {
    "app.css": "/static/css/app.css",
    "app.js": "/static/js/app.js",
    "idcheck.js": "/static/js/idcheck.js",
    "docs.js": "/static/js/docs.js",
    "impact.js": "/static/js/impact.js",
    "desk.css": "/static/css/desk.css",
    "print.css": "/static/css/print.css",
    "print.js": "/static/js/print.js",
    "charts.js": "/static/js/charts.js",
    "poll.js": "/static/js/poll.js",
    "htmx.js": "/static/vendor/htmx-2.0.11/htmx.min.js",
    "echarts.js": "/static/vendor/echarts-5.6.0/echarts.common.min.js",
    "swagger.js": "/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js",
    "swagger.css": "/static/vendor/swagger-ui-5.35.0/swagger-ui.css",
    "redoc.js": "/static/vendor/redoc-2.5.4/redoc.standalone.js",
}
