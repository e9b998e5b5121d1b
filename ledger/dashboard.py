"""Counts by place for the dashboard: per region code and village, the open cases, those in a
hardship group, the overdue reviews, the active referrals and the urgent ones past their
response deadline; and the small-count suppression of a table's cells."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ledger.case_filters import region_prefix
from ledger.inbox import deadline
from ledger.models import Case, Referral, ReferralEvent
from ledger.referrals import ACTIVE

PLACE_COLUMNS = ("cases", "hardship", "overdue_reviews", "referrals", "overdue_referrals")


def _in(query: Any, column: Any, region: str | None) -> Any:
    return query.where(col(column).startswith(region_prefix(region))) if region else query


def by_place(
    session: Session, *, region: str | None, on: date, hours: int, at: datetime
) -> list[dict[str, Any]]:
    """One row per (region code, village) with cases in it, in order of place."""
    counts: dict[tuple[str, str], Counter[str]] = {}

    def add(place: tuple[str | None, str], name: str, n: int = 1) -> None:
        counts.setdefault((place[0] or "", place[1]), Counter())[name] += n

    open_cases = select(Case.region_code, Case.village, Case.hardship, func.count()).where(
        Case.status == "open"
    )
    grouped = _in(open_cases, Case.region_code, region).group_by(
        Case.region_code, Case.village, Case.hardship
    )
    for code, village, hardship, n in session.exec(grouped).all():
        add((code, village), "cases", n)
        if hardship:
            add((code, village), "hardship", n)
    overdue = select(Case.region_code, Case.village, func.count()).where(
        col(Case.hardship).is_(True), Case.status == "open", col(Case.next_review_due) < on
    )
    overdue = _in(overdue, Case.region_code, region).group_by(Case.region_code, Case.village)
    for code, village, n in session.exec(overdue).all():
        add((code, village), "overdue_reviews", n)
    active = select(Referral, Case.village).where(
        col(Referral.case_id) == col(Case.id), col(Referral.status).in_(ACTIVE)
    )
    rows = session.exec(_in(active, Referral.region_code, region)).all()
    urgent_ids = [r.id for r, _ in rows if r.urgent]
    events: dict[str, list[ReferralEvent]] = {}
    for start in range(0, len(urgent_ids), 500):
        chunk = urgent_ids[start : start + 500]
        for e in session.exec(
            select(ReferralEvent).where(col(ReferralEvent.referral_id).in_(chunk))
        ).all():
            events.setdefault(e.referral_id, []).append(e)
    for referral, village in rows:
        add((referral.region_code, village), "referrals")
        due = deadline(referral, events.get(referral.id, []), hours, at)
        if due is not None and due.missed:
            add((referral.region_code, village), "overdue_referrals")
    return [
        {
            "region_code": code,
            "village": village,
            **{c: counts[(code, village)][c] for c in PLACE_COLUMNS},
        }
        for code, village in sorted(counts)
    ]


def suppress(value: int | None, threshold: int) -> int | None:
    """A count as shown to a role that may not see cases: None when 0 < value < threshold."""
    if value is None or (0 < value < threshold):
        return None
    return value
