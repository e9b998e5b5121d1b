"""Referrals as departments see them: lists and transitions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import col, select

from api.deps import JsonBody, SessionDep
from api.errors import ledger_responses
from api.ledger.models import ReferralEvent
from api.ledger.queries import list_referrals, referral_out
from api.ledger.referrals import STATUSES, transition
from api.ledger.requests import TransitionRequest, parse
from api.principal import PrincipalDep

router = APIRouter(prefix="/v1/referrals", tags=["ledger"])


@router.get("", responses=ledger_responses(422))
def referrals(
    session: SessionDep,
    principal: PrincipalDep,
    department: Annotated[str | None, Query(max_length=32)] = None,
    region: Annotated[str | None, Query(pattern=r"^[1-9]\d{5}$")] = None,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """转介列表 / Referrals by department, region prefix and status."""
    return list_referrals(
        session, department=department, region=region, status=status, page=page, page_size=page_size
    )


@router.post("/{referral_id}/transitions", responses=ledger_responses(400, 404, 409, 413, 422))
def move(
    referral_id: str, body: JsonBody, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """转介状态变更 / open → accepted → in_progress → completed; declined; withdrawn."""
    request = parse(TransitionRequest, body)
    referral = transition(
        session, referral_id=referral_id, to=request.to, note=request.note, actor=principal.name
    )
    history = session.exec(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(col(ReferralEvent.id))
    ).all()
    return referral_out(referral, list(history))
