"""/docs (Swagger UI) and /redoc (ReDoc), served from our own static files: they work offline
and inside a closed network. The start-up script is a file too (no inline script)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger(request: Request) -> HTMLResponse:
    """The API reference, interactive."""
    return templates.TemplateResponse(request, "docs/swagger.html", {"spec": "/openapi.json"})


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """The API reference, to read."""
    return templates.TemplateResponse(request, "docs/redoc.html", {"spec": "/openapi.json"})
