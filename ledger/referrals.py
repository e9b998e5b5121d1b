"""Referrals: kept in step with each assessment, and moved by the departments.

open ──► accepted ──► in_progress ──► completed
  │          │             │
  ├──────────┴─────────────┴──► declined   (a note is required)
  └──► withdrawn
(any active) ──► no_longer_indicated       (set by a reassessment, never by hand)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from engine import EvaluationResult, FieldError
from ledger.errors import ForbiddenTransition, InvalidInput, ReferralNotFound, VersionMismatch
from ledger.models import Case, Event, Referral, ReferralEvent, new_id, now

ACTIVE = ("open", "accepted", "in_progress")
ENDED_BY_DEPARTMENT = ("completed", "declined", "withdrawn")
STATUSES = (*ACTIVE, "completed", "declined", "withdrawn", "no_longer_indicated")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("accepted", "declined", "withdrawn"),
    "accepted": ("in_progress", "declined"),
    "in_progress": ("completed", "declined"),
}
STATUS_ZH = {
    "open": "待接收",
    "accepted": "已接收",
    "in_progress": "办理中",
    "completed": "已办结",
    "declined": "不予受理",
    "withdrawn": "已撤回",
    "no_longer_indicated": "不再符合",
}


@dataclass
class SyncReport:
    """The case's active referrals after a sync, and what the sync opened and ended."""

    referrals: list[Referral]
    opened: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)

    @classmethod
    def current(cls, session: Session, case: Case) -> SyncReport:
        """The referrals a case has now (for an idempotent replay)."""
        rows = session.exec(select(Referral).where(Referral.case_id == case.id)).all()
        return cls(referrals=list(rows))


def _record(
    session: Session,
    referral: Referral,
    to: str,
    actor: str,
    note: str | None,
    *,
    opening: bool = False,
) -> None:
    """Move `referral` to `to` (or open it), with its history step and the ledger event."""
    stamp = now()
    before = None if opening else referral.status
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_status=before,
            to_status=to,
            note=note,
            actor=actor,
            at=stamp,
        )
    )
    kind, data = (
        ("referral_opened", {"department": referral.department})
        if opening
        else ("referral_transition", {"from": before, "to": to})
    )
    session.add(
        Event(
            at=stamp,
            actor=actor,
            kind=kind,
            case_id=referral.case_id,
            referral_id=referral.id,
            data=data,
        )
    )
    referral.status, referral.updated_at = to, stamp
    session.add(referral)


@dataclass(frozen=True)
class Indicated:
    """What an assessment refers to one department: its codes, in the programme and outside
    it (national law for a woman outside the programme), and whether any is urgent."""

    codes: list[str]
    urgent: bool


def by_department(result: EvaluationResult) -> dict[str, Indicated]:
    """The result's referrals, one per department: a department may be named twice, once
    for the programme and once `outside_programme` (docs/contract.md §3a)."""
    out: dict[str, Indicated] = {}
    for r in result.referrals:
        seen = out.get(r.department)
        codes = [
            *(seen.codes if seen else []),
            *(c for c in r.codes if not seen or c not in seen.codes),
        ]
        out[r.department] = Indicated(codes, r.urgent or bool(seen and seen.urgent))
    return out


def sync_referrals(
    session: Session, case: Case, result: EvaluationResult, actor: str
) -> SyncReport:
    """Open a referral for each newly indicated department; end those no longer indicated.

    A department already holding an active referral keeps it (its codes follow the new
    assessment). One that completed, declined or had withdrawn a referral for the same codes
    is not referred again for them.
    """
    existing = list(session.exec(select(Referral).where(Referral.case_id == case.id)).all())
    indicated = by_department(result)
    report = SyncReport(referrals=[])
    for referral in existing:
        if referral.status not in ACTIVE:
            continue
        now_indicated = indicated.get(referral.department)
        if now_indicated is None:
            _record(
                session,
                referral,
                "no_longer_indicated",
                "system",
                "重新评估后不再符合转介条件 (no longer indicated by the assessment)",
            )
            report.ended.append(referral.id)
        elif (
            set(now_indicated.codes) != set(referral.codes)
            or now_indicated.urgent != referral.urgent
        ):
            referral.codes, referral.urgent = list(now_indicated.codes), now_indicated.urgent
            referral.updated_at = now()
            session.add(referral)
    active = {r.department for r in existing if r.status in ACTIVE and r.department in indicated}
    for department, wanted in indicated.items():
        if department in active:
            continue
        served = {
            code
            for r in existing
            if r.department == department and r.status in ENDED_BY_DEPARTMENT
            for code in r.codes
        }
        if set(wanted.codes) <= served:
            continue
        stamp = now()
        referral = Referral(
            id=new_id(),
            case_id=case.id,
            department=department,
            region_code=case.region_code,
            codes=list(wanted.codes),
            urgent=wanted.urgent,
            status="open",
            created_at=stamp,
            updated_at=stamp,
        )
        _record(session, referral, "open", actor, None, opening=True)
        existing.append(referral)
        report.opened.append(referral.id)
    report.referrals = existing
    return report


def find_referral(session: Session, referral_id: str) -> Referral:
    """The referral, or 404."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise ReferralNotFound()
    return referral


def referral_version(session: Session, referral_id: str) -> int:
    """A referral's version: the number of steps in its history (1 when just opened). Its
    ETag, and what an If-Match on a transition names."""
    count = session.exec(
        select(func.count()).where(col(ReferralEvent.referral_id) == referral_id)
    ).one()
    return int(count)


def _lock(session: Session, referral_id: str) -> Referral:
    """The referral, freshly read, with its case locked until this transaction ends (the
    same lock as every change of the case takes: a transition never interleaves with a
    reassessment ending the referral, nor with another transition)."""
    referral = find_referral(session, referral_id)
    session.execute(
        update(Case).where(col(Case.id) == referral.case_id).values(version=col(Case.version))
    )
    fresh = session.get(Referral, referral_id, populate_existing=True)
    assert fresh is not None
    return fresh


def transition(
    session: Session,
    *,
    referral_id: str,
    to: str,
    note: str | None,
    actor: str,
    if_match: int | None = None,
) -> Referral:
    """Move a referral along its life cycle; anything the diagram does not allow is a 409.

    Of racing moves exactly one wins: the others find the status it left and get the 409 —
    or, with `if_match` (the version they saw), a 412.
    """
    referral = _lock(session, referral_id)
    if if_match is not None:
        current = referral_version(session, referral_id)
        if current != if_match:
            session.rollback()
            raise VersionMismatch(current, what="referral")
    if to not in TRANSITIONS.get(referral.status, ()):
        session.rollback()
        raise ForbiddenTransition(
            f"转介状态“{STATUS_ZH[referral.status]}”不能变为“{STATUS_ZH.get(to, to)}”",
            f"A referral cannot go from {referral.status} to {to}",
            status=referral.status,
        )
    if to == "declined" and not (note and note.strip()):
        session.rollback()
        raise InvalidInput([FieldError("note", "不予受理须说明理由", "declining needs a note")])
    _record(session, referral, to, actor, note)
    session.commit()
    return referral


def move_referrals(session: Session, case: Case, region_code: str | None) -> None:
    """A case moving to another region takes all its referrals along: the new region's
    departments see and move them, the old region's no longer do."""
    for referral in session.exec(select(Referral).where(Referral.case_id == case.id)).all():
        referral.region_code = region_code
        session.add(referral)


def withdraw_open(session: Session, case: Case, actor: str) -> list[str]:
    """Withdraw the case's referrals no department has accepted yet (on closing a case)."""
    withdrawn = []
    for referral in session.exec(select(Referral).where(Referral.case_id == case.id)).all():
        if referral.status == "open":
            _record(session, referral, "withdrawn", actor, "个案已关闭 (case closed)")
            withdrawn.append(referral.id)
    return withdrawn
