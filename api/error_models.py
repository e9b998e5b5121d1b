"""What the errors look like in /openapi.json: one model per error body, and the
`responses=` table of every status a route can answer (api/errors.py raises them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.errors import MAX_BODY_BYTES, RETRY_AFTER_SECONDS
from api.text import Text


class FieldProblem(Text):
    """One bad field of a request: its dotted path (`profile.age_years`) and why."""

    field: str = Field(description="字段路径，如 profile.age_years / the field's dotted path")


class ErrorOut(BaseModel):
    """Every error but 409, 412, 422 and 428: a kind and a message."""

    error: str = Field(description="错误类别 / the error kind")
    detail: Text


class InternalDetail(Text):
    """What a 500 says: a message, and the request id to quote to the administrator."""

    request_id: str | None = Field(default=None, description="请求编号（日志中可查）/ request id")


class InternalErrorOut(BaseModel):
    """500: a fault of the service (engine_error, internal_error), never of the request."""

    error: str = Field(description="engine_error / internal_error")
    detail: InternalDetail


class ValidationErrorOut(BaseModel):
    """422: every bad field of the request."""

    error: Literal["validation_error"]
    detail: list[FieldProblem]


class PolicyIssuesOut(Text):
    """Why new policy files were refused, and the version still serving."""

    issues: list[str] = Field(description="每个问题 file:line: message / each problem")
    policy_version: str


class PolicyErrorOut(BaseModel):
    """409: a reload refused the policy files; the last good set keeps serving."""

    error: Literal["policy_error"]
    detail: PolicyIssuesOut


class ConflictDetail(Text):
    """What conflicts: a message, and the existing case or the current state."""

    case_id: str | None = None
    status: str | None = None
    version: int | None = None


class ConflictOut(BaseModel):
    """409, 412, 428 of the ledger."""

    error: str = Field(description="conflict / version_mismatch / if_match_required")
    detail: ConflictDetail


_RETRY_AFTER = {
    "Retry-After": {
        "description": f"几秒后重试（{RETRY_AFTER_SECONDS}）/ seconds to wait",
        "schema": {"type": "integer"},
    }
}
_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}},
}

# status → (model, description, headers)
_GENERIC: dict[int, tuple[type[BaseModel], str, dict[str, Any] | None]] = {
    400: (
        ErrorOut,
        "malformed_json: 请求体不是有效的 UTF-8 JSON（含 NaN、重复键、嵌套过深）",
        None,
    ),
    401: (ErrorOut, "unauthorized: 缺少或无效的令牌 (no, unknown or revoked token)", None),
    403: (ErrorOut, "forbidden: 该角色无权执行此操作 (the role may not do this)", None),
    404: (ErrorOut, "not_found: 未找到 (no such path)", None),
    409: (PolicyErrorOut, "policy_error: 新的策略文件有误，继续使用原有版本", None),
    413: (ErrorOut, f"payload_too_large: 请求体超过 {MAX_BODY_BYTES} 字节", None),
    415: (ErrorOut, "unsupported_media_type: 请求体应为 application/json（UTF-8）", None),
    422: (ValidationErrorOut, "validation_error: 逐个指出无效字段 (each bad field)", None),
    500: (
        InternalErrorOut,
        "engine_error: 规则引擎故障，不是请求的问题 (an engine fault, never caused by the request)",
        None,
    ),
    503: (
        ErrorOut,
        "database_unavailable: 台账数据库暂时不可用，请稍后重试 (the database is down)；"
        "/readyz 另有 not_ready：尚在启动，或拒绝了集群启用的政策版本 (not ready)",
        _RETRY_AFTER,
    ),
}
_LEDGER: dict[int, tuple[type[BaseModel], str, dict[str, Any] | None]] = {
    404: (ErrorOut, "not_found: 没有这个个案或转介 (no such case or referral)", None),
    409: (
        ConflictOut,
        "conflict: 与台账现有记录冲突 (duplicate case, transition not allowed)",
        None,
    ),
    412: (ConflictOut, "version_mismatch: If-Match 不是当前版本 (stale If-Match)", None),
    428: (ConflictOut, "if_match_required: 需要 If-Match 头 (If-Match header required)", None),
}


def _entry(spec: tuple[type[BaseModel], str, dict[str, Any] | None], code: int) -> dict[str, Any]:
    model, description, headers = spec
    out: dict[str, Any] = {"model": model, "description": description}
    if code == 401:
        headers = _WWW_AUTHENTICATE
    if headers:
        out["headers"] = headers
    return out


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each error status it can answer, with its model."""
    return {code: _entry(_GENERIC[code], code) for code in codes}


def ledger_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a ledger route (404 names a case; 409/412/428 carry a ConflictDetail)."""
    return {code: _entry(_LEDGER.get(code) or _GENERIC[code], code) for code in codes}
