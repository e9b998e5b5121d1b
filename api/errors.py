"""The one handler that answers every error `{"error": kind, "detail": …}` (the kinds are
in api/error_kinds.py, re-exported here), and the one table from the ledger's errors to HTTP.
What each body looks like in /openapi.json is in api/error_models.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from api.denials import audit_refusal
from api.error_kinds import (
    MAX_BODY_BYTES,
    RETRY_AFTER_SECONDS,
    ApiError,
    ConflictError,
    DatabaseUnavailableError,
    ForbiddenError,
    IfMatchRequiredError,
    InvalidRequestError,
    MalformedJSONError,
    MethodNotAllowedError,
    NotFoundError,
    NotReadyError,
    PayloadTooLargeError,
    PolicyReloadError,
    RulesEngineError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
    VersionMismatchError,
)
from api.failures import RequestIds, log_failure, request_id
from api.text import text as message  # a Chinese-first message, as printed
from engine import FieldError, ProfileError, RulesRuntimeError
from engine.messages import problems_of
from ledger.errors import Conflict, InvalidInput, LedgerError, NotFound, VersionMismatch

logger = logging.getLogger("uvicorn.error")

# What a database that is down (or unreachable, or out of connections) raises.
DB_DOWN = (OperationalError, InterfaceError, PoolTimeout)

BODY_ERROR = "guanai.body_error"  # scope key: why the strict reader refused the body
TAGS: set[str] = set()  # tags of tagged unions in request bodies (api/bodies.py adds them)


def prefixed(problems: Sequence[FieldError], prefix: str) -> list[FieldError]:
    """Field errors re-rooted at `prefix` (`age_years` → `profile.age_years`)."""
    return [FieldError(f"{prefix}.{p.field}", p.zh, p.en) for p in problems]


# -- the handlers ---------------------------------------------------------------------------
async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """The one handler: an ApiError as `{"error": kind, "detail": …}`."""
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 405:
        allow = _allowed(request, (exc.headers or {}).get("Allow", ""))
        exc = StarletteHTTPException(405, headers={"Allow": allow})
    body_error = request.scope.get(BODY_ERROR)
    if isinstance(exc, RequestValidationError) and isinstance(body_error, ApiError):
        exc = body_error  # the strict reader refused the body: say why, not "invalid"
    if not isinstance(exc, ApiError):
        exc = _as_api_error(exc, request.scope)
    await audit_refusal(request, exc)
    return JSONResponse(
        {"error": exc.kind, "detail": exc.detail},
        status_code=exc.status_code,
        headers=exc.headers,
    )


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    for route in routes:
        inner = getattr(route, "effective_route_contexts", None)  # FastAPI's included routers
        yield from (_routes(inner()) if callable(inner) else (route,))


def _allowed(request: Request, fallback: str) -> str:
    """Every method the path answers (Starlette names only the first route's); a literal
    path (`/v1/policies/reload`) before a template that also matches it (`{version}`)."""
    literal: set[str] = set()
    templated: set[str] = set()
    for route in _routes(request.app.routes):
        match, _ = route.matches({**request.scope, "method": "\x00"})
        if match is not Match.NONE:
            methods = set(getattr(route, "methods", None) or ())
            fixed = "{" not in str(getattr(route, "path_format", "{"))
            (literal if fixed else templated).update(methods)
    return ", ".join(sorted(literal or templated)) or fallback


_HTTP_ERRORS: dict[int, tuple[type[ApiError], str, str]] = {
    404: (NotFoundError, "未找到", "Not found"),
    405: (MethodNotAllowedError, "不支持该请求方法", "Method not allowed"),
    413: (PayloadTooLargeError, "请求体过大", "Content too large"),
}


# The one table from the ledger's error kinds to HTTP (most specific class first).
LEDGER_STATUS: tuple[tuple[type[LedgerError], type[ApiError]], ...] = (
    (NotFound, NotFoundError),
    (Conflict, ConflictError),
    (VersionMismatch, VersionMismatchError),
)


def _from_ledger(exc: LedgerError) -> ApiError:
    if isinstance(exc, InvalidInput):
        return InvalidRequestError(exc.problems)
    for kind, api_error in LEDGER_STATUS:
        if isinstance(exc, kind):
            return api_error(exc.detail)
    return ConflictError(exc.detail)


def _request_problems(exc: RequestValidationError) -> list[FieldError]:
    """FastAPI's errors as FieldErrors: `body` for the body itself, else the field's path
    below the body (`profile.age_years`) or the parameter's name (`If-Match`, `page`)."""
    errors = []
    for err in exc.errors():
        where, *path = err.get("loc", ()) or ("body",)
        if where in ("header", "query", "path") and path:
            path = [str(path[0]).replace("_", "-").title() if where == "header" else path[0]]
        if len(path) >= 2 and path[0] in TAGS:  # a tagged union names its branch: drop it
            path = path[1:]
        if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):  # the tag is bad
            path = [*path, str((err.get("ctx") or {}).get("discriminator", "")).strip("'")]
        errors.append({**err, "loc": tuple(path) or ("body",)})
    return problems_of(errors)


def _as_api_error(exc: Exception, scope: Scope | None = None) -> ApiError:
    if isinstance(exc, LedgerError):
        return _from_ledger(exc)
    if isinstance(exc, StarletteHTTPException):
        phrase = HTTPStatus(exc.status_code).phrase
        cls, zh, en = _HTTP_ERRORS.get(exc.status_code, (ApiError, "请求错误", phrase))
        error = cls(message(zh, en), headers=dict(exc.headers or {}) or None)
        if cls is ApiError:  # another 4xx from the framework: keep its status
            error.status_code, error.kind = exc.status_code, "http_error"
        return error
    if isinstance(exc, ProfileError):
        return InvalidRequestError(prefixed(exc.errors, "profile"))
    if isinstance(exc, RequestValidationError):
        return InvalidRequestError(_request_problems(exc))
    if isinstance(exc, DB_DOWN):
        log_failure(type(exc).__name__, scope)  # the kind and request id only, never a value
        return DatabaseUnavailableError(
            message("台账数据库暂时不可用，请稍后重试", "The ledger database is unavailable"),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, RulesRuntimeError):
        log_failure(type(exc).__name__, scope)  # the kind and request id only: never a value
        return RulesEngineError(
            message(
                "规则引擎内部错误，请稍后重试或联系管理员", "Internal error of the rules engine"
            )
        )
    log_failure(type(exc).__name__, scope)
    return ApiError(
        {**message("服务内部错误", "Internal server error"), "request_id": request_id(scope)}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise through `api_error_handler`."""
    for exc_class in (
        ApiError,
        LedgerError,
        StarletteHTTPException,
        ProfileError,
        RequestValidationError,
        RulesRuntimeError,
        *DB_DOWN,
    ):
        app.add_exception_handler(exc_class, api_error_handler)
    # Anything else is answered by RequestIds (api/failures.py): a 500, logged by its kind
    # only. (A handler for Exception would be re-raised by Starlette and logged in full.)
    app.add_middleware(RequestIds)


__all__ = [
    "BODY_ERROR",
    "DB_DOWN",
    "MAX_BODY_BYTES",
    "RETRY_AFTER_SECONDS",
    "TAGS",
    "ApiError",
    "ConflictError",
    "DatabaseUnavailableError",
    "ForbiddenError",
    "IfMatchRequiredError",
    "InvalidRequestError",
    "MalformedJSONError",
    "MethodNotAllowedError",
    "NotFoundError",
    "NotReadyError",
    "PayloadTooLargeError",
    "PolicyReloadError",
    "RulesEngineError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "VersionMismatchError",
    "api_error_handler",
    "install_error_handlers",
    "message",
    "prefixed",
]
