"""Signing in and out: `/app/login` (a token, once) and `/app/logout`; `/` and `/app/`."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import LedgerDep, SessionDep
from api.web.auth import COOKIE, LOGIN_CSRF_COOKIE, FormDep, PageDep, current_session, same_token
from api.web.nav import home_for
from api.web.templating import render
from ledger.audit import record
from ledger.web_sessions import end_session, open_session

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    """Only a path of our own pages (never another host)."""
    if target and target.startswith("/app/") and not target.startswith("//"):
        return target
    return None


@router.get("/")
def root() -> RedirectResponse:
    """The workbench."""
    return RedirectResponse("/app/", status_code=307)


@router.get("/app")
@router.get("/app/")
def app_home(request: Request) -> RedirectResponse:
    """The first page the role may use, or the sign-in page."""
    active = current_session(request)
    if active is None:
        return RedirectResponse("/app/login", status_code=303)
    return RedirectResponse(home_for(active.principal.role), status_code=303)


def _login_page(
    request: Request, next_path: str | None, errors: list[tuple[str, str]], status: int = 200
) -> HTMLResponse:
    csrf = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status_code=status,
        title="登录",
        csrf=csrf,
        next_path=next_path or "",
        errors=errors,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        path="/app/login",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/app/login")
def login_form(
    request: Request, next_path: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    """登录页."""
    if current_session(request) is not None:
        return RedirectResponse(_safe_next(next_path) or "/app/", status_code=303)
    return _login_page(request, _safe_next(next_path), [])


@router.post("/app/login")
def login(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    """Sign in with a token: a server-side session in an HttpOnly, SameSite=Strict cookie."""
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        errors = [("token", "页面已过期，请重新输入令牌后登录")]
        return _login_page(request, _safe_next(next_path), errors, status=403)
    if not token.strip():
        return _login_page(request, _safe_next(next_path), [("token", "请输入令牌")], status=422)
    opened = open_session(session, token.strip())
    if opened is None:
        errors = [("token", "令牌无效或已撤销，请核对后重试")]
        return _login_page(request, _safe_next(next_path), errors, status=401)
    cookie, principal = opened
    record(session, principal, "web_signed_in")
    target = _safe_next(next_path) or home_for(principal.role)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        cookie.cookie,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/app/login")
    return response


@router.post("/app/logout")
def logout(page: PageDep, form: FormDep, ledger: LedgerDep, session: SessionDep) -> Response:
    """Sign out: the session ends on the server, the cookie is cleared."""
    end_session(ledger, page.session_key)
    record(session, page.principal, "web_signed_out")
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/app/home")
def home(page: PageDep) -> HTMLResponse:
    """The landing page of a role with no page of its own yet: what it may use."""
    return render(page.request, "home.html", title="工作台")
