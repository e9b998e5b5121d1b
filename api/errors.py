"""The API's error family and the one handler that answers `{"error": kind, "detail": …}`.

    ApiError                  500 internal_error      a bug, never caused by the request
    ├── MalformedJSONError    400 malformed_json      the body is not JSON
    ├── UnauthorizedError     401 unauthorized        no token, or an unknown or revoked one
    ├── ForbiddenError        403 forbidden           the role may not do this
    ├── NotFoundError         404 not_found           no such path
    ├── MethodNotAllowedError 405 method_not_allowed  the path exists, the method does not
    ├── PolicyReloadError     409 policy_error        new policy files refused; old set serving
    ├── PayloadTooLargeError  413 payload_too_large   body over MAX_BODY_BYTES
    ├── UnsupportedMediaTypeError 415 unsupported_media_type  the body is not application/json
    ├── InvalidRequestError   422 validation_error    detail: one {field, zh, en} per bad field
    ├── RulesEngineError      500 engine_error        durable_rules failed (engine fault)
    ├── DatabaseUnavailableError 503 database_unavailable  the ledger's database is down
    │   the ledger:
    ├── ConflictError         409 conflict            duplicate case, transition not allowed
    ├── VersionMismatchError  412 version_mismatch    If-Match names an old version
    └── IfMatchRequiredError  428 if_match_required   an update without If-Match

Human-readable text is Chinese first: `detail` is a `Text` `{"zh": …, "en": …}` or a list
of `{"field", "zh", "en"}`. No message ever repeats a value from the profile. What each body
looks like in /openapi.json is in api/error_models.py.
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

from api.bodies import TAGS
from api.text import text
from engine import FieldError, ProfileError, RulesRuntimeError
from engine.messages import problems_of
from ledger.errors import Conflict, InvalidInput, LedgerError, NotFound, VersionMismatch

logger = logging.getLogger("uvicorn.error")

# What a database that is down (or unreachable, or out of connections) raises.
DB_DOWN = (OperationalError, InterfaceError, PoolTimeout)

MAX_BODY_BYTES = 64 * 1024  # a profile is a few kilobytes
RETRY_AFTER_SECONDS = 5  # what a 503 asks the client to wait
BODY_ERROR = "guanai.body_error"  # scope key: why the strict reader refused the body


# -- the family -------------------------------------------------------------------------
class ApiError(Exception):
    """Base of every error the API answers on purpose."""

    status_code: int = 500
    kind: str = "internal_error"

    def __init__(self, detail: Any, headers: dict[str, str] | None = None) -> None:
        self.detail = detail
        self.headers = headers
        super().__init__(self.kind)


class MalformedJSONError(ApiError):
    """The request body is not JSON."""

    status_code = 400
    kind = "malformed_json"


class UnauthorizedError(ApiError):
    """No token, or one that is unknown or revoked."""

    status_code = 401
    kind = "unauthorized"


class ForbiddenError(ApiError):
    """The principal's role may not do this."""

    status_code = 403
    kind = "forbidden"


class NotFoundError(ApiError):
    """No such path."""

    status_code = 404
    kind = "not_found"


class MethodNotAllowedError(ApiError):
    """The path exists but not with this method."""

    status_code = 405
    kind = "method_not_allowed"


class PolicyReloadError(ApiError):
    """New policy files were refused; the last good set keeps serving."""

    status_code = 409
    kind = "policy_error"


class PayloadTooLargeError(ApiError):
    """The request body is too large."""

    status_code = 413
    kind = "payload_too_large"


class UnsupportedMediaTypeError(ApiError):
    """The body is not `application/json` in UTF-8."""

    status_code = 415
    kind = "unsupported_media_type"


class InvalidRequestError(ApiError):
    """The request or its profile is invalid; `detail` names every bad field."""

    status_code = 422
    kind = "validation_error"

    def __init__(self, problems: Sequence[FieldError]) -> None:
        super().__init__([p.as_dict() for p in problems])


class RulesEngineError(ApiError):
    """The rules engine failed: a fault of the service, never of the request."""

    status_code = 500
    kind = "engine_error"


class DatabaseUnavailableError(ApiError):
    """The ledger's database cannot be reached; try again after Retry-After seconds."""

    status_code = 503
    kind = "database_unavailable"


class ConflictError(ApiError):
    """The request conflicts with what the ledger holds (the detail says what)."""

    status_code = 409
    kind = "conflict"


class VersionMismatchError(ApiError):
    """If-Match names a version that is no longer current."""

    status_code = 412
    kind = "version_mismatch"


class IfMatchRequiredError(ApiError):
    """Updates must say which version they change (If-Match)."""

    status_code = 428
    kind = "if_match_required"


message = text  # a Chinese-first message, as printed


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
        exc = _as_api_error(exc)
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
    """Every method the path answers (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in _routes(request.app.routes):
        match, _ = route.matches({**request.scope, "method": "\x00"})
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods)) or fallback


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


def _as_api_error(exc: Exception) -> ApiError:
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
        logger.error("database unavailable: %s", type(exc).__name__)  # never the statement
        return DatabaseUnavailableError(
            message("台账数据库暂时不可用，请稍后重试", "The ledger database is unavailable"),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, RulesRuntimeError):
        # The message names rules, never profile values; the profile itself is not logged.
        logger.error("rules engine fault: %s", exc)
        return RulesEngineError(
            message(
                "规则引擎内部错误，请稍后重试或联系管理员", "Internal error of the rules engine"
            )
        )
    logger.error("unexpected %s", type(exc).__name__)
    return ApiError(message("服务内部错误", "Internal server error"))


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
        Exception,
    ):
        app.add_exception_handler(exc_class, api_error_handler)
