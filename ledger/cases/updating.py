"""Changing a case: a new profile version (If-Match) or a reassessment of the current one.

Both lock the case first (`lock_case`), so a reassessment never records an assessment of a
profile version that an update has just replaced, and two updates never both win.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from engine import Evaluator, Profile
from engine.messages import sex_contradicts_id
from engine.profile import sex_of_digit
from ledger.cases.assessing import (
    Outcome,
    check_as_of,
    current_profile,
    follow_up,
    latest_assessment,
    lock_case,
    stored_profile,
)
from ledger.cases.closing import refuse_if_closed
from ledger.errors import DuplicateCase, InvalidInput, VersionMismatch
from ledger.identity import id_hash
from ledger.models import Case, ProfileVersion, now
from ledger.referrals import move_referrals


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
    check_as_of(as_of)
    case = lock_case(session, case_id)
    refuse_if_closed(session, case)
    if case.version != if_match:
        session.rollback()
        raise VersionMismatch(case.version)
    raw = dict(profile) if isinstance(profile, dict) else profile
    if isinstance(raw, dict) and raw.get("id_number") is None and raw.get("birth_date") is None:
        # identity is write-only: a profile sent back without it keeps the known birth date
        known = current_profile(session, case).get("birth_date")
        if known:
            raw["birth_date"] = known
    if isinstance(raw, Profile) and raw.id_number is None and raw.birth_date is None:
        known = current_profile(session, case).get("birth_date")
        if known:
            raw = raw.model_copy(update={"birth_date": date.fromisoformat(known)})
    valid = _sex_of_the_recorded_id(session, evaluator.validate(raw), case.id_last4)
    hashed = id_hash(secret, valid.id_number) if valid.id_number else case.id_hash
    if hashed and hashed != case.id_hash:
        other = session.exec(select(Case).where(Case.id_hash == hashed)).first()
        if other is not None and other.id != case.id:
            session.rollback()
            raise DuplicateCase(other.id, region_code=other.region_code)
    result = evaluator.evaluate(valid, as_of=as_of)
    before = latest_assessment(session, case.id).result
    case.version, case.updated_at = if_match + 1, now()
    if valid.id_number:
        case.id_hash, case.id_last4 = hashed, valid.id_number[-4:]
    if valid.name:
        case.name = valid.name
    if valid.region_code != case.region_code:
        move_referrals(session, case, valid.region_code)
    case.region_code = valid.region_code
    session.add(case)
    session.add(
        ProfileVersion(
            case_id=case.id,
            version=case.version,
            profile=stored_profile(valid),
            created_at=case.updated_at,
            actor=actor,
        )
    )
    outcome = follow_up(
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


def _sex_of_the_recorded_id(session: Session, valid: Profile, last4: str | None) -> Profile:
    """A profile sent back without its ID number is held to the recorded one's sex: its 17th
    digit is the third of the last four kept (`id_last4`). No sex stated: that sex; another
    stated: refused (422 on `profile.sex`), as when the number itself is sent."""
    if valid.id_number is not None or not last4 or len(last4) != 4 or not last4[2].isdigit():
        return valid
    recorded = sex_of_digit(last4[2])
    if valid.sex is None:
        return valid.model_copy(update={"sex": recorded})
    if valid.sex != recorded:
        session.rollback()
        raise InvalidInput([sex_contradicts_id("profile.sex")])
    return valid


def reassess(
    session: Session, evaluator: Evaluator, *, case_id: str, as_of: date, actor: str
) -> Outcome:
    """The six-monthly review: the current profile under the current policies."""
    check_as_of(as_of)
    case = lock_case(session, case_id)
    refuse_if_closed(session, case)
    result = evaluator.evaluate(current_profile(session, case), as_of=as_of)
    before = latest_assessment(session, case.id).result
    case.updated_at = now()
    outcome = follow_up(
        session,
        case,
        result,
        as_of=as_of,
        reason="reassess",
        actor=actor,
        event="case_reassessed",
        before=before,
        policy_version=result.policy_version,
        version=case.version,
    )
    session.add(case)
    session.commit()
    return outcome
