"""Referrals as departments see them: lists and transitions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from sqlmodel import col, select

from api.access import may_move, region_filter, require, visible_referral
from api.auth import PrincipalDep
from api.bodies import TransitionRequest, if_match_version, parse
from api.deps import JsonBody, SessionDep
from api.errors import ledger_responses
from ledger.audit import record, record_shown
from ledger.models import ReferralEvent
from ledger.queries import list_referrals, referral_out
from ledger.referrals import STATUSES, find_referral, transition

router = APIRouter(prefix="/v1/referrals", tags=["ledger"])


@router.get("", responses=ledger_responses(401, 403, 422))
def referrals(
    session: SessionDep,
    principal: PrincipalDep,
    department: Annotated[str | None, Query(max_length=32)] = None,
    region: Annotated[str | None, Query(pattern=r"^[1-9][0-9]{5}$")] = None,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """转介列表 / Referrals by department, region prefix and status."""
    require(principal, "caseworker", "department", "admin")
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
    responses=ledger_responses(400, 401, 403, 404, 409, 412, 413, 422),
)
def move(
    referral_id: str,
    body: JsonBody,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: Annotated[str | None, Header(description="转介的版本号（ETag）")] = None,
) -> dict[str, Any]:
    """转介状态变更 / open → accepted → in_progress → completed; declined; withdrawn.

    Of racing moves exactly one wins; the others get 409. With `If-Match: <version>` (the
    referral's `version`, also its ETag: the number of steps in its history) a move made on a
    stale view gets 412 instead.
    """
    require(principal, "caseworker", "department", "admin")
    visible_referral(principal, find_referral(session, referral_id))
    request = parse(TransitionRequest, body)
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
