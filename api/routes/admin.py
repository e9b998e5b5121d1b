"""For administrators: tokens and the audit log (which no route can change)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from api.access import require
from api.auth import PrincipalDep
from api.bodies import _Body, parse
from api.deps import JsonBody, LedgerDep, PolicyDep, SessionDep
from api.errors import InvalidRequestError, ledger_responses
from engine import FieldError
from ledger.audit import entries
from ledger.broadcast import TOKEN_CHANNEL, notify
from ledger.principal import Role
from ledger.tokens import create_token, list_tokens, revoke_token

router = APIRouter(prefix="/v1", tags=["admin"])


class TokenCreate(_Body):
    """POST /v1/tokens."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    role: Role
    region: Annotated[str, Field(pattern=r"^[1-9][0-9]{5}$")] | None = None
    department: Annotated[str, Field(max_length=32)] | None = None


@router.get("/audit", responses=ledger_responses(401, 403, 422))
def audit(
    session: SessionDep,
    principal: PrincipalDep,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    case_id: Annotated[str | None, Query(max_length=32)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """审计日志 / Who saw or changed what, newest first (read-only)."""
    require(principal, "admin")
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


@router.get("/tokens", responses=ledger_responses(401, 403))
def tokens(session: SessionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """令牌列表（不含令牌本身）/ Every token's record, never the token."""
    require(principal, "admin")
    return list_tokens(session)


@router.post("/tokens", status_code=201, responses=ledger_responses(400, 401, 403, 413, 422))
def new_token(
    body: JsonBody, session: SessionDep, policy: PolicyDep, principal: PrincipalDep
) -> dict[str, Any]:
    """创建令牌（只显示一次）/ Create a token; it is shown once and only its hash is kept."""
    require(principal, "admin")
    request = parse(TokenCreate, body)
    try:
        issued = create_token(
            session,
            name=request.name,
            role=request.role,
            region=request.region,
            department=request.department,
            created_by=principal.name,
            departments=set(policy.catalog.departments),
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


@router.post("/tokens/{token_id}/revoke", responses=ledger_responses(401, 403, 404, 409))
def revoke(
    token_id: str,
    request: Request,
    session: SessionDep,
    ledger: LedgerDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """撤销令牌（立即生效）/ Revoke a token at once."""
    require(principal, "admin")
    record = revoke_token(session, token_id, principal.name)
    request.app.state.tokens.clear()  # this process at once; others by their version check
    notify(ledger.engine, TOKEN_CHANNEL, record.id)  # every replica's token cache
    return {
        "id": record.id,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }
