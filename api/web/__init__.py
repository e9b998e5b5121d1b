"""The workbench (工作台): server-rendered pages under /app, their static files under /static,
and the offline /docs and /redoc.

Adding a page is one route module in api/web/routes/ (an `APIRouter` named `router`, listed in
`PAGES` below), one template in api/web/templates/ extending `base.html`, and — if it belongs
in the navigation — one `NavItem` in api/web/nav.py. See api/web/auth.py for `PageDep` and
`FormDep`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web.errors import install_page_errors
from api.web.routes import (
    case,
    case_edit,
    cases,
    dashboard,
    docs,
    evaluate,
    importing,
    inbox,
    policies,
    printing,
    review,
    session,
)
from api.web.security import SecurityHeaders
from api.web.templating import HERE


class _NoQueryInAccessLog(logging.Filter):
    """Page URLs may carry a name being searched for (`/app/cases?q=…`): the access log, when
    uvicorn writes one, keeps only the path of /app URLs."""

    def filter(self, record: logging.LogRecord) -> bool:
        args: Any = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if path.startswith("/app") and "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + "?…", *args[3:])
        return True


PAGES = (
    session,
    docs,
    evaluate,
    cases,
    case_edit,
    case,
    inbox,
    printing,
    review,
    dashboard,
    importing,
    policies,
)


def install(app: FastAPI) -> None:
    """Mount the workbench on the app."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in PAGES:
        app.include_router(module.router)
    install_page_errors(app)
    app.add_middleware(SecurityHeaders)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _NoQueryInAccessLog) for f in access.filters):
        access.addFilter(_NoQueryInAccessLog())


__all__ = ["PAGES", "install"]
