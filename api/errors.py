"""The API's error family and the one handler that answers `{"error": kind, "detail": …}`.

    ApiError                  500 internal_error      a bug, never caused by the request
    ├── MalformedJSONError    400 malformed_json      the body is not JSON
    ├── UnauthorizedError     401 unauthorized        no token, or an unknown or revoked one
    ├── ForbiddenError        403 forbidden           the role may not do this
    ├── NotFoundError         404 not_found           no such path
    ├── MethodNotAllowedError 405 method_not_allowed  the path exists, the method does not
    ├── PolicyReloadError     409 policy_error        new policy files refused; old set serving
    ├── PayloadTooLargeError  413 payload_too_large   body over MAX_BODY_BYTES
    ├── InvalidRequestError   422 validation_error    detail: one {field, zh, en} per bad field
    ├── RulesEngineError      500 engine_error        durable_rules failed (engine fault)
    │   the ledger:
    ├── ConflictError         409 conflict            duplicate case, transition not allowed
    ├── VersionMismatchError  412 version_mismatch    If-Match names an old version
    └── IfMatchRequiredError  428 if_match_required   an update without If-Match

Human-readable text is Chinese first: `detail` is `{"zh": …, "en": …}` or a list of
`{"field", "zh", "en"}`. No message ever repeats a value from the profile.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from api.denials import audit_refusal
from api.failures import RequestIds, log_failure, request_id
from engine import FieldError, ProfileError, RulesRuntimeError
from ledger.errors import Conflict, InvalidInput, LedgerError, NotFound, VersionMismatch

logger = logging.getLogger("uvicorn.error")

MAX_BODY_BYTES = 64 * 1024  # a profile is a few kilobytes


# -- what the errors look like (OpenAPI) ----------------------------------------------
class Message(BaseModel):
    """A message in Chinese and English."""

    zh: str
    en: str


class FieldProblem(BaseModel):
    """One bad field of a request: its dotted path (`profile.age_years`) and why."""

    field: str
    zh: str
    en: str


class ErrorOut(BaseModel):
    """Every error but 409 and 422: a kind and a message."""

    error: str
    detail: Message


class ValidationErrorOut(BaseModel):
    """422: every bad field of the request."""

    error: Literal["validation_error"]
    detail: list[FieldProblem]


class PolicyIssuesOut(BaseModel):
    """Why new policy files were refused, and the version still serving."""

    zh: str
    en: str
    issues: list[str]
    policy_version: str


class ConflictDetail(BaseModel):
    """What conflicts: a message, and the existing case or the current state."""

    zh: str
    en: str
    case_id: str | None = None
    status: str | None = None
    version: int | None = None


class ConflictOut(BaseModel):
    """409, 412, 428 of the ledger."""

    error: str
    detail: ConflictDetail


class PolicyErrorOut(BaseModel):
    """409: a reload refused the policy files; the last good set keeps serving."""

    error: Literal["policy_error"]
    detail: PolicyIssuesOut


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each error status it can answer, with its model."""
    models: dict[int, tuple[type[BaseModel], str]] = {
        400: (ErrorOut, "malformed_json: 请求体不是有效的 JSON (the body is not valid JSON)"),
        401: (ErrorOut, "unauthorized: 缺少或无效的令牌 (no, unknown or revoked token)"),
        403: (ErrorOut, "forbidden: 该角色无权执行此操作 (the role may not do this)"),
        404: (ErrorOut, "not_found: 未找到 (no such path)"),
        405: (ErrorOut, "method_not_allowed: 不支持该请求方法"),
        409: (PolicyErrorOut, "policy_error: 新的策略文件有误，继续使用原有版本"),
        413: (ErrorOut, f"payload_too_large: 请求体超过 {MAX_BODY_BYTES} 字节"),
        422: (ValidationErrorOut, "validation_error: 逐个指出无效字段 (each bad field)"),
        500: (
            ErrorOut,
            "engine_error: 规则引擎故障，不是请求的问题 (an engine fault, "
            "never caused by the request)",
        ),
    }
    return {code: {"model": models[code][0], "description": models[code][1]} for code in codes}


def ledger_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a ledger route (409/412/428 carry a ConflictDetail)."""
    ledger: dict[int, tuple[type[BaseModel], str]] = {
        404: (ErrorOut, "not_found: 没有这个个案或转介 (no such case or referral)"),
        409: (ConflictOut, "conflict: 与台账现有记录冲突 (duplicate case, transition not allowed)"),
        412: (ConflictOut, "version_mismatch: If-Match 不是当前版本 (stale If-Match)"),
        428: (ConflictOut, "if_match_required: 需要 If-Match 头 (If-Match header required)"),
    }
    out = responses(*(c for c in codes if c not in ledger))
    out.update(
        {c: {"model": ledger[c][0], "description": ledger[c][1]} for c in codes if c in ledger}
    )
    return out


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


def message(zh: str, en: str) -> dict[str, str]:
    """A Chinese-first message."""
    return {"zh": zh, "en": en}


def prefixed(problems: Sequence[FieldError], prefix: str) -> list[FieldError]:
    """Field errors re-rooted at `prefix` (`age_years` → `profile.age_years`)."""
    return [FieldError(f"{prefix}.{p.field}", p.zh, p.en) for p in problems]


# -- the handlers ---------------------------------------------------------------------------
async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """The one handler: an ApiError as `{"error": kind, "detail": …}`."""
    if not isinstance(exc, ApiError):
        exc = _as_api_error(exc, request.scope)
    await audit_refusal(request, exc)
    return JSONResponse(
        {"error": exc.kind, "detail": exc.detail},
        status_code=exc.status_code,
        headers=exc.headers,
    )


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
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "body"
            problems.append(FieldError(where, "值无效", str(err.get("msg", "invalid"))))
        return InvalidRequestError(problems)
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
    ):
        app.add_exception_handler(exc_class, api_error_handler)
    # Anything else is answered by RequestIds (api/failures.py): a 500, logged by its kind
    # only. (A handler for Exception would be re-raised by Starlette and logged in full.)
    app.add_middleware(RequestIds)
