"""Create, update and reassess cases. Every change leaves an immutable assessment receipt,
updates the referrals and appends events; nothing is deleted."""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine import EvaluationResult, Evaluator, Profile
from engine.profile import IDENTITY_FIELDS
from ledger.errors import (
    CaseNotFound,
    DuplicateCase,
    ForbiddenTransition,
    IdempotencyKeyReused,
    VersionMismatch,
)
from ledger.identity import id_hash
from ledger.models import (
    Assessment,
    Case,
    CaseClassification,
    CaseCode,
    Event,
    ProfileVersion,
    new_id,
    now,
)
from ledger.referrals import SyncReport, sync_referrals, withdraw_open


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


def _review_due(result: EvaluationResult, as_of: date) -> date | None:
    for item in result.results:
        if item.code == "LEDGER_ENTRY":
            months = item.outputs.get("review_due_within_months")
            if isinstance(months, int | float):
                return add_months(as_of, int(months))
    return None


def _index(session: Session, case_id: str, result: EvaluationResult) -> None:
    """Replace the case's index rows (codes, classifications) by the latest assessment."""
    session.execute(delete(CaseCode).where(col(CaseCode.case_id) == case_id))
    session.execute(delete(CaseClassification).where(col(CaseClassification.case_id) == case_id))
    for item in result.results:
        session.add(CaseCode(case_id=case_id, code=item.code, status=item.status))
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
        created_at=now(),
        actor=actor,
    )
    session.add(assessment)
    _index(session, case.id, result)
    case.hardship = bool(result.classifications.get("is_hardship_group"))
    case.next_review_due = _review_due(result, as_of)
    return assessment


def _follow_up(
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
    changes = _changes(before, result) if before is not None else {}
    session.add(
        Event(
            at=case.updated_at, actor=actor, kind=event, case_id=case.id, data={**data, **changes}
        )
    )
    return Outcome(case=case, assessment=assessment, sync=sync, changes=changes)


def find_case(session: Session, case_id: str) -> Case:
    """The case, or 404."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound()
    return case


def _duplicate(existing_id: str) -> DuplicateCase:
    return DuplicateCase(existing_id)


def create_case(
    session: Session,
    evaluator: Evaluator,
    *,
    profile: Profile | dict[str, Any],
    village: str,
    as_of: date,
    actor: str,
    secret: str,
    idempotency_key: str | None = None,
) -> Outcome:
    """Record a new case with its first assessment and referrals (committed).

    A retry with the same `idempotency_key` returns the case the first request made; the same
    key with a different request is a 409.
    """
    fingerprint = _fingerprint(secret, profile, village, as_of) if idempotency_key else None
    if idempotency_key:
        replay = _replay(session, idempotency_key, fingerprint)
        if replay is not None:
            return replay
    valid = evaluator.validate(profile)
    hashed = id_hash(secret, valid.id_number) if valid.id_number else None
    if hashed:
        existing = session.exec(select(Case).where(Case.id_hash == hashed)).first()
        if existing is not None:
            raise _duplicate(existing.id)
    result = evaluator.evaluate(valid, as_of=as_of)
    stamp = now()
    case = Case(
        id=new_id(),
        region_code=valid.region_code,
        village=village,
        name=valid.name,
        id_hash=hashed,
        id_last4=valid.id_number[-4:] if valid.id_number else None,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(case)
    session.add(
        ProfileVersion(
            case_id=case.id, version=1, profile=stored_profile(valid), created_at=stamp, actor=actor
        )
    )
    session.flush()
    outcome = _follow_up(
        session,
        case,
        result,
        as_of=as_of,
        reason="create",
        actor=actor,
        event="case_created",
        before=None,
        version=1,
        policy_version=result.policy_version,
    )
    try:
        session.commit()
    except IntegrityError:  # a concurrent create won the race on the ID or the key
        session.rollback()
        if idempotency_key:
            replay = _replay(session, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        if hashed:
            existing = session.exec(select(Case).where(Case.id_hash == hashed)).first()
            if existing is not None:
                raise _duplicate(existing.id) from None
        raise
    return outcome


def _fingerprint(secret: str, profile: Any, village: str, as_of: date) -> str:
    """A keyed hash of a create request (keyed: the profile holds identity)."""
    if isinstance(profile, Profile):
        profile = profile.model_dump(mode="json", exclude_none=True)
    text = json.dumps(
        [profile, village, as_of.isoformat()], sort_keys=True, ensure_ascii=False, default=str
    )
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def _replay(session: Session, key: str, fingerprint: str | None) -> Outcome | None:
    case = session.exec(select(Case).where(Case.idempotency_key == key)).first()
    if case is None:
        return None
    if fingerprint and case.request_fingerprint and fingerprint != case.request_fingerprint:
        raise IdempotencyKeyReused(case.id)
    first = session.exec(
        select(Assessment).where(Assessment.case_id == case.id).order_by(col(Assessment.id))
    ).first()
    assert first is not None  # a case is never stored without its first assessment
    return Outcome(
        case=case, assessment=first, sync=SyncReport.current(session, case), replayed=True
    )


def _changes(before: dict[str, Any], after: EvaluationResult) -> dict[str, Any]:
    old = {r["code"]: r["status"] for r in before["results"]}
    new = {r.code: r.status for r in after.results}
    return {
        "gained": [c for c in new if c not in old],
        "lost": [c for c in old if c not in new],
        "changed": [
            {"code": c, "from": old[c], "to": new[c]} for c in new if c in old and old[c] != new[c]
        ],
    }


def _current_profile(session: Session, case: Case) -> dict[str, Any]:
    version = session.exec(
        select(ProfileVersion).where(
            ProfileVersion.case_id == case.id, ProfileVersion.version == case.version
        )
    ).one()
    return version.profile


def _latest(session: Session, case_id: str) -> Assessment:
    latest = session.exec(
        select(Assessment).where(Assessment.case_id == case_id).order_by(col(Assessment.id).desc())
    ).first()
    assert latest is not None
    return latest


def update_profile(
    session: Session,
    evaluator: Evaluator,
    *,
    case_id: str,
    if_match: int,
    profile: Profile | dict[str, Any],
    as_of: date,
    actor: str,
    secret: str,
) -> Outcome:
    """A new profile version and assessment; 412 unless `if_match` is the current version."""
    case = find_case(session, case_id)
    if case.version != if_match:
        raise VersionMismatch(case.version)
    raw = dict(profile) if isinstance(profile, dict) else profile
    if isinstance(raw, dict) and raw.get("id_number") is None and raw.get("birth_date") is None:
        # identity is write-only: a profile sent back without it keeps the known birth date
        known = _current_profile(session, case).get("birth_date")
        if known:
            raw["birth_date"] = known
    if isinstance(raw, Profile) and raw.id_number is None and raw.birth_date is None:
        known = _current_profile(session, case).get("birth_date")
        if known:
            raw = raw.model_copy(update={"birth_date": date.fromisoformat(known)})
    valid = evaluator.validate(raw)
    hashed = id_hash(secret, valid.id_number) if valid.id_number else case.id_hash
    if hashed and hashed != case.id_hash:
        other = session.exec(select(Case).where(Case.id_hash == hashed)).first()
        if other is not None and other.id != case.id:
            raise _duplicate(other.id)
    result = evaluator.evaluate(valid, as_of=as_of)
    before = _latest(session, case.id).result
    stamp = now()
    # the version moves only if nobody moved it since we read it: one writer wins
    bumped = session.execute(
        update(Case)
        .where(col(Case.id) == case.id, col(Case.version) == if_match)
        .values(version=if_match + 1, updated_at=stamp)
    )
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise VersionMismatch(find_case(session, case_id).version)
    session.refresh(case)
    if valid.id_number:
        case.id_hash, case.id_last4 = hashed, valid.id_number[-4:]
    if valid.name:
        case.name = valid.name
    case.region_code = valid.region_code
    session.add(
        ProfileVersion(
            case_id=case.id,
            version=case.version,
            profile=stored_profile(valid),
            created_at=stamp,
            actor=actor,
        )
    )
    outcome = _follow_up(
        session,
        case,
        result,
        as_of=as_of,
        reason="update",
        actor=actor,
        event="profile_updated",
        before=before,
        version=case.version,
    )
    session.commit()
    return outcome


def reassess(
    session: Session, evaluator: Evaluator, *, case_id: str, as_of: date, actor: str
) -> Outcome:
    """The six-monthly review: the current profile under the current policies."""
    case = find_case(session, case_id)
    result = evaluator.evaluate(_current_profile(session, case), as_of=as_of)
    before = _latest(session, case.id).result
    stamp = now()
    case.updated_at = stamp
    outcome = _follow_up(
        session,
        case,
        result,
        as_of=as_of,
        reason="reassess",
        actor=actor,
        event="case_reassessed",
        before=before,
        policy_version=result.policy_version,
    )
    session.add(case)
    session.commit()
    return outcome


def close_case(session: Session, *, case_id: str, actor: str, note: str | None) -> Case:
    """Close a case (it stays in the ledger); open referrals are withdrawn."""
    case = find_case(session, case_id)
    if case.status == "closed":
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
