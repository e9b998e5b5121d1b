"""What every change of a case shares: finding and locking it, recording an assessment,
indexing it, keeping the referrals in step and logging the event."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from engine import EvaluationResult, FieldError, Profile
from engine.profile import IDENTITY_FIELDS
from engine.vocabulary import HARDSHIP_GROUP, LEDGER_ENTRY
from ledger.errors import CaseNotFound, InvalidInput
from ledger.models import (
    Assessment,
    Case,
    CaseClassification,
    CaseCode,
    Event,
    ProfileVersion,
)
from ledger.referrals import SyncReport, sync_referrals

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)  # as the HTTP door (api/text.py)


def check_as_of(as_of: date) -> date:
    """An assessment date from 1900 to 2199, whoever asks (door, CLI, survey import): a review
    date months after 9999-12-31 does not exist."""
    if not FIRST_DAY <= as_of <= LAST_DAY:
        raise InvalidInput(
            [
                FieldError(
                    "as_of",
                    "评估日期应在 1900-01-01 至 2199-12-31 之间",
                    "must be a date from 1900-01-01 to 2199-12-31",
                )
            ]
        )
    return as_of


def add_months(day: date, months: int) -> date:
    """`day` plus whole months (31 Jan + 1 month = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Outcome:
    """What a create, update or reassess did."""

    case: Case
    assessment: Assessment
    sync: SyncReport
    changes: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False


def stored_profile(profile: Profile) -> dict[str, Any]:
    """The profile as kept in a version: no name, no ID number; the birth date inside the ID
    number is kept (as `birth_date`) so that later assessments still know her age."""
    data = profile.model_dump(mode="json", exclude_none=True, exclude=set(IDENTITY_FIELDS))
    if profile.birth_date is not None:
        data["birth_date"] = profile.birth_date.isoformat()
    elif profile.id_number is not None:
        v = profile.id_number
        data["birth_date"] = f"{v[6:10]}-{v[10:12]}-{v[12:14]}"
    return data


def find_case(session: Session, case_id: str) -> Case:
    """The case, or 404."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound()
    return case


def lock_case(session: Session, case_id: str) -> Case:
    """The case, freshly read and locked until this transaction ends.

    A no-op write is the first statement of the transaction: on PostgreSQL it takes the row
    lock, on SQLite the database's write lock (waiting for the other writer, never failing on a
    stale snapshot). Everything that changes a case or its referrals takes it first, so two such
    changes never interleave, and what they read after it is current.
    """
    touched = session.execute(
        update(Case).where(col(Case.id) == case_id).values(version=col(Case.version))
    )
    if touched.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise CaseNotFound()
    case = session.get(Case, case_id, populate_existing=True)
    assert case is not None
    return case


def current_profile(session: Session, case: Case) -> dict[str, Any]:
    """The profile of the case's current version."""
    version = session.exec(
        select(ProfileVersion).where(
            ProfileVersion.case_id == case.id, ProfileVersion.version == case.version
        )
    ).one()
    return version.profile


def latest_assessment(session: Session, case_id: str) -> Assessment:
    """The case's most recent assessment."""
    latest = session.exec(
        select(Assessment).where(Assessment.case_id == case_id).order_by(col(Assessment.id).desc())
    ).first()
    assert latest is not None
    return latest


def _review_due(result: EvaluationResult, as_of: date) -> date | None:
    for item in result.results:
        if item.code == LEDGER_ENTRY:
            months = item.outputs.get("review_due_within_months")
            if isinstance(months, int | float):
                return add_months(as_of, int(months))
    return None


def _index(session: Session, case_id: str, result: EvaluationResult) -> None:
    """Replace the case's index rows (codes, classifications) by the latest assessment."""
    session.execute(delete(CaseCode).where(col(CaseCode.case_id) == case_id))
    session.execute(delete(CaseClassification).where(col(CaseClassification.case_id) == case_id))
    # outside_programme codes too: a department finds her by the law code it serves
    indexed: dict[str, str] = {}
    for item in [*result.results, *result.outside_programme]:
        indexed.setdefault(item.code, item.status)
    for code, status in indexed.items():
        session.add(CaseCode(case_id=case_id, code=code, status=status))
    for name, value in result.classifications.items():
        session.add(CaseClassification(case_id=case_id, name=name, value=value))


def _assess(
    session: Session, case: Case, result: EvaluationResult, as_of: date, reason: str, actor: str
) -> Assessment:
    assessment = Assessment(
        case_id=case.id,
        profile_version=case.version,
        as_of=as_of,
        policy_version=result.policy_version,
        reason=reason,
        result=result.model_dump(mode="json"),
        created_at=case.updated_at,
        actor=actor,
    )
    session.add(assessment)
    _index(session, case.id, result)
    case.hardship = bool(result.classifications.get(HARDSHIP_GROUP))
    case.next_review_due = _review_due(result, as_of)
    return assessment


def changes(before: dict[str, Any], after: EvaluationResult) -> dict[str, Any]:
    """Codes gained, lost and changed between two assessments."""
    old = {r["code"]: r["status"] for r in before["results"]}
    new = {r.code: r.status for r in after.results}
    return {
        "gained": [c for c in new if c not in old],
        "lost": [c for c in old if c not in new],
        "changed": [
            {"code": c, "from": old[c], "to": new[c]} for c in new if c in old and old[c] != new[c]
        ],
    }


def follow_up(
    session: Session,
    case: Case,
    result: EvaluationResult,
    *,
    as_of: date,
    reason: str,
    actor: str,
    event: str,
    before: dict[str, Any] | None,
    **data: Any,
) -> Outcome:
    """Record an assessment, sync the referrals and log the event (not yet committed)."""
    assessment = _assess(session, case, result, as_of, reason, actor)
    sync = sync_referrals(session, case, result, actor)
    found = changes(before, result) if before is not None else {}
    session.add(
        Event(at=case.updated_at, actor=actor, kind=event, case_id=case.id, data={**data, **found})
    )
    return Outcome(case=case, assessment=assessment, sync=sync, changes=found)
