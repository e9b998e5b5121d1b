"""Who is using a page, and the CSRF check of every form.

A page route takes `PageDep` (the signed-in person; no session → redirect to /app/login) and,
when it changes something, `FormDep` (the posted form, refused unless its `csrf_token` — or an
`X-CSRF-Token` header — equals the session's). Roles are then checked with `page.require(…)`,
which is api/access.py's `require`: the same rule as the JSON door, rendered as a page.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.datastructures import FormData

from api.access import require
from api.errors import ApiError, ForbiddenError, message
from api.web.nav import NavItem, nav_for
from ledger.principal import Principal, Role
from ledger.web_sessions import Active, active_session

COOKIE = "guanai_session"
LOGIN_CSRF_COOKIE = "guanai_login_csrf"


class LoginRequiredError(ApiError):
    """No live session: the page answers with a redirect to the sign-in page."""

    status_code = 303
    kind = "login_required"


@dataclass
class Page:
    """The signed-in person on this request, their navigation and their CSRF token."""

    request: Request
    principal: Principal
    csrf: str
    session_key: str
    nav: list[NavItem] = field(default_factory=list)

    def require(self, *roles: Role) -> None:
        """403 (as a page) unless the person's role is one of `roles` (api/access.py)."""
        require(self.principal, *roles)

    def may(self, *roles: Role) -> bool:
        """Whether the role is one of `roles` (to show or hide a button)."""
        return self.principal.role in roles


def login_redirect(request: Request) -> LoginRequiredError:
    """The redirect to the sign-in page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return LoginRequiredError(
        message("请先登录", "Please sign in"),
        headers={"Location": f"/app/login?next={quote(target, safe='')}"},
    )


def current_session(request: Request) -> Active | None:
    """The live session of the request's cookie, or None."""
    cookie = request.cookies.get(COOKIE)
    if not cookie or len(cookie) > 200:
        return None
    return active_session(request.app.state.ledger, cookie)


def get_page(request: Request) -> Page:
    """The signed-in person, or a redirect to /app/login."""
    active = current_session(request)
    if active is None:
        raise login_redirect(request)
    page = Page(
        request=request,
        principal=active.principal,
        csrf=active.csrf,
        session_key=active.key,
        nav=nav_for(active.principal.role),
    )
    request.state.page = page
    return page


def page_context(request: Request) -> Page | None:
    """The page's person if a route resolved one (templates read it)."""
    page: Page | None = getattr(request.state, "page", None)
    return page


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a CSRF token."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


PageDep = Annotated[Page, Depends(get_page)]


async def checked_form(request: Request, page: PageDep) -> FormData:
    """The posted form, if it carries the session's CSRF token; else 403."""
    form = await request.form()
    given = request.headers.get("x-csrf-token") or form.get("csrf_token")
    if not same_token(given if isinstance(given, str) else None, page.csrf):
        raise ForbiddenError(
            message("表单已失效（CSRF 校验失败），请刷新页面后重试", "CSRF check failed")
        )
    return form


FormDep = Annotated[FormData, Depends(checked_form)]
