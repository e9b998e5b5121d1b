"""Errors on pages: the same error family as the JSON door, rendered as a Chinese page.

Under /app a missing or ended session redirects to the sign-in page (htmx requests get an
`HX-Redirect`), and every other error is a page with its status code and Chinese message.
Everywhere else the JSON handler answers, unchanged.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import ApiError, UnauthorizedError, _as_api_error, api_error_handler
from api.web.auth import LoginRequiredError, login_redirect
from api.web.templating import render
from engine import ProfileError, RulesRuntimeError
from ledger.errors import LedgerError

TITLES = {
    400: "请求有误",
    403: "无权访问",
    404: "没有找到",
    405: "不支持该操作",
    409: "操作冲突",
    412: "已被他人修改",
    413: "内容过大",
    422: "填写有误",
    500: "服务出错",
}


REFUSALS = (ApiError, LedgerError, ProfileError)  # what a page may catch and show in place


def as_api_error(exc: Exception) -> ApiError:
    """Any refusal (the door's, the ledger's, the engine's) as the door's ApiError."""
    return exc if isinstance(exc, ApiError) else _as_api_error(exc)


def zh_of(error: ApiError) -> str:
    """The Chinese message of an error."""
    return _zh(error.detail)


def _zh(detail: Any) -> str:
    if isinstance(detail, dict) and isinstance(detail.get("zh"), str):
        return str(detail["zh"])
    if isinstance(detail, list):
        return "；".join(
            f"{d.get('field', '')}：{d.get('zh', '')}" for d in detail if isinstance(d, dict)
        )
    return "请求未能完成"


def _redirect(request: Request, location: str) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


async def page_error_handler(request: Request, exc: Exception) -> Response:
    """Pages: redirect to sign in, or an error page; elsewhere the JSON error."""
    if not request.url.path.startswith("/app"):
        return await api_error_handler(request, exc)
    error = as_api_error(exc)
    if isinstance(error, UnauthorizedError):
        error = login_redirect(request)
    if isinstance(error, LoginRequiredError):
        return _redirect(request, (error.headers or {}).get("Location", "/app/login"))
    status = error.status_code
    return render(
        request,
        "error.html",
        status_code=status,
        title=TITLES.get(status, "请求未能完成"),
        detail=_zh(error.detail),
        status=status,
    )


def install_page_errors(app: FastAPI) -> None:
    """Put the page-aware handler in front of the JSON one, for the same exceptions."""
    for exc_class in (
        ApiError,
        LedgerError,
        StarletteHTTPException,
        ProfileError,
        RequestValidationError,
        RulesRuntimeError,
    ):
        app.add_exception_handler(exc_class, page_error_handler)
    # anything else is a 500 answered by api/failures.py's RequestIds, as for the JSON door
