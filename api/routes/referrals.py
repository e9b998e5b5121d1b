"""Referrals as departments see them: lists and transitions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlmodel import col, select

from api.access import allow, may_move, region_filter, visible_referral
from api.bodies import ID_PATTERN, REGION_PATTERN, TransitionRequest, Word
from api.deps import SessionDep
from api.error_models import ledger_responses
from api.headers import IfMatch, if_match_version
from api.openapi import LISTED_REFERRAL_LINKS, REFERRAL_LINKS, links
from api.strict import StrictRoute
from api.views import ReferralOut, ReferralPage, ReferralStatus
from ledger.audit import record, record_shown
from ledger.models import ReferralEvent
from ledger.principal import Principal
from ledger.queries import list_referrals, referral_out
from ledger.referrals import find_referral, transition

router = APIRouter(prefix="/v1/referrals", tags=["ledger"], route_class=StrictRoute)
Mover = Annotated[Principal, Depends(allow("caseworker", "department", "admin"))]
ReferralId = Annotated[str, Path(pattern=ID_PATTERN, description="转介编号 / referral id")]


@router.get("", response_model=ReferralPage, responses=links(200, LISTED_REFERRAL_LINKS))
def referrals(
    session: SessionDep,
    principal: Mover,
    department: Annotated[Word | None, Query()] = None,
    region: Annotated[str | None, Query(pattern=REGION_PATTERN)] = None,
    status: ReferralStatus | None = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """转介列表（按部门、辖区、状态）/ Referrals by department, region prefix and status."""
    if principal.role == "department":
        department = principal.department  # a department sees its own referrals only
    listed = list_referrals(
        session,
        department=department,
        region=region_filter(principal, region),
        status=status,
        page=page,
        page_size=page_size,
    )
    record_shown(
        session, principal, "referrals_listed", [item["case_id"] for item in listed["items"]]
    )
    return listed


@router.post(
    "/{referral_id}/transitions",
    response_model=ReferralOut,
    responses={**ledger_responses(404, 409, 412), **links(200, REFERRAL_LINKS)},
)
def move(
    referral_id: ReferralId,
    request: TransitionRequest,
    session: SessionDep,
    principal: Mover,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """转介状态变更（受理 → 办理中 → 办结；不予受理；撤回）/ Move a referral.

    Of racing moves exactly one wins; the others get 409. With `If-Match: <version>` (the
    referral's ETag: the number of steps in its history) a move made on a stale view gets 412.
    """
    visible_referral(principal, find_referral(session, referral_id))
    may_move(principal, request.to)
    version = if_match_version(if_match, required=False)
    referral = transition(
        session,
        referral_id=referral_id,
        to=request.to,
        note=request.note,
        actor=principal.name,
        if_match=version,
    )
    history = session.exec(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(col(ReferralEvent.id))
    ).all()
    record(
        session,
        principal,
        "referral_transition",
        case_id=referral.case_id,
        referral_id=referral.id,
        to=request.to,
    )
    response.headers["ETag"] = f'"{len(history)}"'
    return referral_out(referral, list(history))
