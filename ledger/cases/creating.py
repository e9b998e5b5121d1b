"""Recording a new case: its first profile version, assessment and referrals, at most once
per resident ID and per Idempotency-Key, whatever the race."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine import Evaluator, Profile
from ledger.case_numbers import next_case_number
from ledger.cases.assessing import Outcome, check_as_of, follow_up, stored_profile
from ledger.errors import DuplicateCase, IdempotencyKeyReused
from ledger.identity import id_hash
from ledger.models import Assessment, Case, ProfileVersion, new_id, now
from ledger.referrals import SyncReport


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
    key with a different request is a 409, and so is an ID number that already has a case —
    also when the other request is being stored at the same instant.
    """
    check_as_of(as_of)
    fingerprint = request_fingerprint(secret, profile, village, as_of) if idempotency_key else None
    if idempotency_key:
        replay = _replay(session, idempotency_key, fingerprint)
        if replay is not None:
            return replay
    valid = evaluator.validate(profile)
    hashed = id_hash(secret, valid.id_number) if valid.id_number else None
    if hashed:
        _refuse_duplicate(session, hashed)
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
    try:
        case.number = next_case_number(session, case.region_code, stamp)
        session.add(case)
        session.add(
            ProfileVersion(
                case_id=case.id,
                version=1,
                profile=stored_profile(valid),
                created_at=stamp,
                actor=actor,
            )
        )
        session.flush()
        outcome = follow_up(
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
        session.commit()
    except IntegrityError:  # a concurrent create won the race on the ID or the key
        session.rollback()
        if idempotency_key:
            replay = _replay(session, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        if hashed:
            _refuse_duplicate(session, hashed)
        raise
    return outcome


def _refuse_duplicate(session: Session, hashed: str) -> None:
    existing = session.exec(select(Case).where(Case.id_hash == hashed)).first()
    if existing is not None:
        raise DuplicateCase(existing.id, region_code=existing.region_code) from None


def request_fingerprint(secret: str, profile: Any, village: str, as_of: date) -> str:
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
        raise IdempotencyKeyReused(case.id, region_code=case.region_code)
    first = session.exec(
        select(Assessment).where(Assessment.case_id == case.id).order_by(col(Assessment.id))
    ).first()
    assert first is not None  # a case is never stored without its first assessment
    return Outcome(
        case=case, assessment=first, sync=SyncReport.current(session, case), replayed=True
    )
