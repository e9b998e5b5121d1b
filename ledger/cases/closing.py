"""Closing a case and reopening it. A closed case stays in the ledger and refuses every
change (update, reassessment) with a 409 until it is reopened; both moves need a reason
(`note`), and both are events of the case."""

from __future__ import annotations

from sqlmodel import Session

from engine import FieldError
from ledger.cases.assessing import lock_case
from ledger.errors import CaseClosed, ForbiddenTransition, InvalidInput
from ledger.models import Case, Event, now
from ledger.referrals import withdraw_open


def _reason(note: str | None) -> str:
    if note is None or not note.strip():
        raise InvalidInput([FieldError("note", "必须说明原因", "a reason is required")])
    return note.strip()


def refuse_if_closed(session: Session, case: Case) -> None:
    """409 for a change of a closed case (it must be reopened first)."""
    if case.status == "closed":
        session.rollback()
        raise CaseClosed(
            "个案已关闭，请先重新开启（POST /v1/cases/{id}/reopen）",
            "The case is closed; reopen it first",
            status=case.status,
        )


def close_case(session: Session, *, case_id: str, actor: str, note: str) -> Case:
    """Close a case (open referrals are withdrawn); of concurrent closes exactly one wins,
    the others are a 409."""
    why = _reason(note)
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
            data={"withdrawn": withdrawn, "note": why},
        )
    )
    session.add(case)
    session.commit()
    return case


def reopen_case(session: Session, *, case_id: str, actor: str, note: str) -> Case:
    """Reopen a closed case (a 409 unless it is closed). Referrals withdrawn on closing stay
    withdrawn; the next update or reassessment opens what is indicated then."""
    why = _reason(note)
    case = lock_case(session, case_id)
    if case.status != "closed":
        session.rollback()
        raise ForbiddenTransition(
            "个案未关闭，无需重新打开", "The case is not closed", status=case.status
        )
    stamp = now()
    case.status, case.closed_at, case.updated_at = "open", None, stamp
    session.add(
        Event(at=stamp, actor=actor, kind="case_reopened", case_id=case.id, data={"note": why})
    )
    session.add(case)
    session.commit()
    return case
