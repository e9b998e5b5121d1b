"""A department's inbox: its referrals in a region, urgent first, with the response deadline
of urgent ones (opened + a number of hours) and whether it was missed.

A referral is answered by its first move off `open` (accepted, declined, withdrawn…); an
urgent one not answered by its deadline is overdue — still shown so after a late answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from ledger.case_filters import region_prefix
from ledger.identity import mask_name
from ledger.models import Case, Referral, ReferralEvent
from ledger.referrals import ACTIVE


def utc(stamp: datetime) -> datetime:
    """A stored time stamp as an aware UTC datetime (SQLite gives them back naive)."""
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Deadline:
    """When an urgent referral had to be answered, when it was, and whether that was late."""

    due: datetime
    answered: datetime | None
    missed: bool


def deadline(
    referral: Referral, events: list[ReferralEvent], hours: int, at: datetime
) -> Deadline | None:
    """The response deadline of an urgent referral (None for one that is not urgent)."""
    if not referral.urgent:
        return None
    due = utc(referral.created_at) + timedelta(hours=hours)
    answers = [utc(e.at) for e in events if e.from_status is not None]
    answered = min(answers) if answers else None
    return Deadline(due, answered, (answered or at) > due)


def version_of(events: list[ReferralEvent]) -> int:
    """A referral's version: the steps in its history (what If-Match on a move names)."""
    return len(events)


def inbox(
    session: Session,
    *,
    department: str | None,
    region: str | None,
    hours: int,
    active_only: bool,
    at: datetime,
) -> list[dict[str, Any]]:
    """The referrals of a department (None: every department) in a region prefix: urgent and
    overdue first, then the oldest; each with its case's number, village and masked name."""
    query = select(Referral, Case).where(col(Referral.case_id) == col(Case.id))
    if department:
        query = query.where(Referral.department == department)
    if region:
        query = query.where(col(Referral.region_code).startswith(region_prefix(region)))
    if active_only:
        query = query.where(col(Referral.status).in_(ACTIVE))
    rows = session.exec(query.order_by(col(Referral.created_at), col(Referral.id))).all()
    events: dict[str, list[ReferralEvent]] = {}
    ids = [r.id for r, _ in rows]
    for start in range(0, len(ids), 500):
        for e in session.exec(
            select(ReferralEvent)
            .where(col(ReferralEvent.referral_id).in_(ids[start : start + 500]))
            .order_by(col(ReferralEvent.id))
        ).all():
            events.setdefault(e.referral_id, []).append(e)
    items = []
    for referral, case in rows:
        history = events.get(referral.id, [])
        due = deadline(referral, history, hours, at)
        items.append(
            {
                "id": referral.id,
                "case_id": case.id,
                "number": case.number,
                "village": case.village,
                "name": mask_name(case.name),
                "department": referral.department,
                "codes": list(referral.codes),
                "status": referral.status,
                "urgent": referral.urgent,
                "created_at": utc(referral.created_at),
                "deadline": due,
                "version": version_of(history),
            }
        )

    def order(item: dict[str, Any]) -> tuple[bool, bool, bool]:
        due: Deadline | None = item["deadline"]
        active = item["status"] in ACTIVE
        return (not item["urgent"], not (due is not None and due.missed and active), not active)

    items.sort(key=order)
    return items


def referral_events(session: Session, referral_id: str) -> list[ReferralEvent]:
    """A referral's history, oldest first."""
    return list(
        session.exec(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral_id)
            .order_by(col(ReferralEvent.id))
        ).all()
    )
