"""Closing a case (it stays in the ledger; open referrals are withdrawn)."""

from __future__ import annotations

from sqlmodel import Session

from ledger.cases.assessing import lock_case
from ledger.errors import ForbiddenTransition
from ledger.models import Case, Event, now
from ledger.referrals import withdraw_open


def close_case(session: Session, *, case_id: str, actor: str, note: str | None) -> Case:
    """Close a case; of concurrent closes exactly one wins, the others are a 409."""
    case = lock_case(session, case_id)
    if case.status == "closed":
        session.rollback()
        raise ForbiddenTransition("个案已关闭", "The case is already closed", status=case.status)
    stamp = now()
    case.status, case.closed_at, case.updated_at = "closed", stamp, stamp
    withdrawn = withdraw_open(session, case, actor)
    session.add(
        Event(
            at=stamp,
            actor=actor,
            kind="case_closed",
            case_id=case.id,
            data={"withdrawn": withdrawn, "note": note or ""},
        )
    )
    session.add(case)
    session.commit()
    return case
