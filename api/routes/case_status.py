"""Closing and reopening a case: it stays in the ledger either way, with the reason."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.access import require, visible_case
from api.auth import PrincipalDep
from api.bodies import CloseCase, ReopenCase, parse
from api.deps import JsonBody, SessionDep
from api.errors import ledger_responses
from ledger import cases as service
from ledger.audit import record
from ledger.queries import case_summary

router = APIRouter(prefix="/v1/cases", tags=["ledger"])


@router.post("/{case_id}/close", responses=ledger_responses(400, 401, 403, 404, 409, 413, 422))
def close(
    case_id: str, body: JsonBody, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """关闭个案（不删除）/ Close a case; it stays in the ledger, open referrals are withdrawn."""
    require(principal, "caseworker", "admin")
    visible_case(principal, service.find_case(session, case_id))
    request = parse(CloseCase, body)
    closed = service.close_case(session, case_id=case_id, actor=principal.name, note=request.note)
    record(session, principal, "case_closed", case_id=case_id)
    return case_summary(closed)


@router.post("/{case_id}/reopen", responses=ledger_responses(400, 401, 403, 404, 409, 413, 422))
def reopen(
    case_id: str, body: JsonBody, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """重新打开个案（须说明原因）/ Reopen a closed case, with the reason."""
    require(principal, "caseworker", "admin")
    visible_case(principal, service.find_case(session, case_id))
    request = parse(ReopenCase, body)
    opened = service.reopen_case(session, case_id=case_id, actor=principal.name, note=request.note)
    record(session, principal, "case_reopened", case_id=case_id)
    return case_summary(opened)
