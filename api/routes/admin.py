"""For administrators: tokens and the audit log (which no route can change)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials

from api.access import allow
from api.auth import bearer
from api.bodies import ID_PATTERN, TokenCreate
from api.deps import PolicyDep, SessionDep
from api.error_models import ledger_responses
from api.errors import ConflictError, InvalidRequestError, message
from api.strict import StrictRoute
from api.text import NO_NUL, IsoTime
from api.views import AuditPage, TokenIssued, TokenOut, TokenRevoked
from engine import FieldError
from ledger.audit import entries
from ledger.models import Token
from ledger.principal import Principal
from ledger.tokens import create_token, list_tokens, revoke_token, token_hash

router = APIRouter(prefix="/v1", tags=["admin"], route_class=StrictRoute)
Admin = Annotated[Principal, Depends(allow("admin"))]


@router.get("/audit", response_model=AuditPage)
def audit(
    session: SessionDep,
    principal: Admin,
    actor: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    action: Annotated[str | None, Query(max_length=40, pattern=NO_NUL)] = None,
    case_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    since: IsoTime | None = None,
    until: IsoTime | None = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """审计日志（只读，最新在前）/ Who saw or changed what, newest first."""
    return entries(
        session,
        actor=actor,
        action=action,
        case_id=case_id,
        since=since,
        until=until,
        page=page,
        page_size=page_size,
    )


@router.get("/tokens", response_model=list[TokenOut])
def tokens(session: SessionDep, principal: Admin) -> list[dict[str, Any]]:
    """令牌列表（不含令牌本身）/ Every token's record, never the token."""
    return list_tokens(session)


@router.post("/tokens", status_code=201, response_model=TokenIssued)
def new_token(
    request: TokenCreate, session: SessionDep, policy: PolicyDep, principal: Admin
) -> dict[str, Any]:
    """创建令牌（只显示一次，只保存其哈希）/ Create a token; it is shown once."""
    regional = request.role in ("caseworker", "department")
    if regional and request.region is None and not request.national:
        # a nationwide token is never made by forgetting the region
        raise InvalidRequestError(
            [
                FieldError(
                    "region",
                    f'{request.role} 令牌须指定辖区代码（全国范围请写 "national": true）',
                    f'a {request.role} token needs a region, or "national": true',
                )
            ]
        )
    try:
        issued = create_token(
            session,
            name=request.name,
            role=request.role,
            region=request.region,
            department=request.department,
            created_by=principal.name,
            departments=set(policy.catalog.departments),
            national=request.national,
        )
    except ValueError as exc:
        zh, _, en = str(exc).partition(" / ")
        raise InvalidRequestError([FieldError("body", zh, en or zh)]) from exc
    return {
        "token": issued.token,
        "id": issued.record.id,
        "role": issued.record.role,
        "region": issued.record.region,
        "department": issued.record.department,
    }


@router.post(
    "/tokens/{token_id}/revoke",
    response_model=TokenRevoked,
    responses=ledger_responses(404, 409),
)
def revoke(
    token_id: Annotated[str, Path(pattern=ID_PATTERN)],
    request: Request,
    session: SessionDep,
    principal: Admin,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> dict[str, Any]:
    """撤销令牌（立即生效；不能撤销本次请求所用的令牌）/ Revoke a token at once."""
    target = session.get(Token, token_id)
    own = credentials is not None and token_hash(credentials.credentials)
    if target is not None and target.token_hash == own:
        raise ConflictError(
            message(
                "不能撤销本次请求所用的令牌（请用另一个管理员令牌或命令行）",
                "A token cannot revoke itself (use another admin token or the CLI)",
            )
        )
    record = revoke_token(session, token_id, principal.name)
    request.app.state.tokens.clear()  # this process at once; the others confirmed it
    return {
        "id": record.id,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }
