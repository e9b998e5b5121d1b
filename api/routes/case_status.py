"""Closing and reopening a case: it stays in the ledger either way, with the reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from api.access import allow, visible_case
from api.bodies import ID_PATTERN, CloseCase, ReopenCase
from api.deps import SessionDep
from api.error_models import ledger_responses
from api.strict import StrictRoute
from api.views import CaseSummary
from ledger import cases as service
from ledger.audit import record
from ledger.principal import Principal
from ledger.queries import case_summary

router = APIRouter(prefix="/v1/cases", tags=["ledger"], route_class=StrictRoute)
CaseId = Annotated[str, Path(pattern=ID_PATTERN, description="个案编号 / case id")]
Caseworker = Annotated[Principal, Depends(allow("caseworker", "admin"))]


@router.post("/{case_id}/close", response_model=CaseSummary, responses=ledger_responses(404, 409))
def close(
    case_id: CaseId, request: CloseCase, session: SessionDep, principal: Caseworker
) -> dict[str, Any]:
    """关闭个案（不删除，撤回未完成的转介；须说明原因）/ Close a case; it stays in the ledger."""
    visible_case(principal, service.find_case(session, case_id))
    closed = service.close_case(session, case_id=case_id, actor=principal.name, note=request.note)
    record(session, principal, "case_closed", case_id=case_id)
    return case_summary(closed)


@router.post("/{case_id}/reopen", response_model=CaseSummary, responses=ledger_responses(404, 409))
def reopen(
    case_id: CaseId, request: ReopenCase, session: SessionDep, principal: Caseworker
) -> dict[str, Any]:
    """重新打开个案（须说明原因）/ Reopen a closed case, with the reason."""
    visible_case(principal, service.find_case(session, case_id))
    opened = service.reopen_case(session, case_id=case_id, actor=principal.name, note=request.note)
    record(session, principal, "case_reopened", case_id=case_id)
    return case_summary(opened)
