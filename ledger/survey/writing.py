"""Writing a chunk of new survey cases: the very rows `create_case` writes (case, profile
version, first assessment, index rows, referrals with their history and events), built
as plain records and sent in bulk (ledger/survey/bulk.py), one transaction per chunk.

If the chunk fails (a concurrent import took an ID number or a row key, or a row fails
after its writes began), the chunk is rolled back and written again one row at a time,
each row in its own savepoint: a bad row is isolated, the good ones are kept. No DELETE
is ever issued — a new case has no index rows to replace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from engine import Profile, RulesRuntimeError
from engine.vocabulary import HARDSHIP_GROUP, LEDGER_ENTRY
from ledger.case_numbers import number_prefix
from ledger.cases import add_months, stored_profile
from ledger.models import (
    Assessment,
    Case,
    CaseClassification,
    CaseCode,
    Event,
    ProfileVersion,
    Referral,
    ReferralEvent,
    new_id,
    now,
)
from ledger.survey.bulk import insert_records

# parents before children: the order the ORM would flush them in
TABLES: tuple[type[SQLModel], ...] = (
    Case,
    ProfileVersion,
    Assessment,
    CaseCode,
    CaseClassification,
    Referral,
    ReferralEvent,
    Event,
)


@dataclass
class NewCase:
    """One row to store as a new case, and the records it becomes."""

    number: int
    key: str
    fingerprint: str
    valid: Profile
    village: str
    as_of: date
    hashed: str | None
    result: dict[str, Any] | None = None  # the parts of the assessment `build` reads
    result_text: str | None = None  # the assessment as the ledger stores it (json_text)
    records: dict[type[SQLModel], list[dict[str, Any]]] = field(default_factory=dict)
    case_id: str = field(default_factory=new_id)


@cache
def _template(model: type[SQLModel]) -> dict[str, Any]:
    """Every column of the model's table with its default (none for ids the database
    numbers), so that a record lacks no column and executemany sends one statement."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if _table(model).columns[name].primary_key and info.default is None:
            continue  # an integer id the database numbers
        out[name] = None if info.is_required() else info.default
    return out


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _row(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """A record of `model`'s table: its defaults, then `values` (only real columns)."""
    template = _template(model)
    if not template.keys() >= values.keys():
        unknown = values.keys() - template.keys()
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    return {**template, **values}


def _review_due(result: Mapping[str, Any], as_of: date) -> date | None:
    for item in result["results"]:
        if item["code"] == LEDGER_ENTRY:
            months = item.get("outputs", {}).get("review_due_within_months")
            if isinstance(months, int | float):
                return add_months(as_of, int(months))
    return None


def build(case: NewCase, actor: str) -> None:
    """Fill `case.records` with what `create_case` would write for it."""
    result, valid, stamp = case.result, case.valid, now()
    assert result is not None and case.result_text is not None
    records: dict[type[SQLModel], list[dict[str, Any]]] = {t: [] for t in TABLES}
    cid = case.case_id
    records[Case].append(
        _row(
            Case,
            id=cid,
            region_code=valid.region_code,
            village=case.village,
            name=valid.name,
            id_hash=case.hashed,
            id_last4=valid.id_number[-4:] if valid.id_number else None,
            idempotency_key=case.key,
            request_fingerprint=case.fingerprint,
            hardship=bool(result["classifications"].get(HARDSHIP_GROUP)),
            next_review_due=_review_due(result, case.as_of),
            created_at=stamp,
            updated_at=stamp,
        )
    )
    records[ProfileVersion].append(
        _row(
            ProfileVersion,
            case_id=cid,
            version=1,
            profile=stored_profile(valid),
            created_at=stamp,
            actor=actor,
        )
    )
    records[Assessment].append(
        _row(
            Assessment,
            case_id=cid,
            profile_version=1,
            as_of=case.as_of,
            policy_version=result["policy_version"],
            reason="create",
            result=case.result_text,
            created_at=stamp,
            actor=actor,
        )
    )
    indexed: dict[str, str] = {}  # outside_programme codes too (ledger/cases/assessing.py)
    for item in [*result["results"], *result.get("outside_programme", [])]:
        indexed.setdefault(item["code"], item["status"])
    for code, status in indexed.items():
        records[CaseCode].append(_row(CaseCode, case_id=cid, code=code, status=status))
    for name, value in result["classifications"].items():
        records[CaseClassification].append(
            _row(CaseClassification, case_id=cid, name=name, value=value)
        )
    for wanted in result["referrals"]:
        rid = new_id()
        records[Referral].append(
            _row(
                Referral,
                id=rid,
                case_id=cid,
                department=wanted["department"],
                region_code=valid.region_code,
                codes=list(wanted["codes"]),
                urgent=wanted["urgent"],
                status="open",
                created_at=stamp,
                updated_at=stamp,
            )
        )
        records[ReferralEvent].append(
            _row(
                ReferralEvent,
                referral_id=rid,
                from_status=None,
                to_status="open",
                note=None,
                actor=actor,
                at=stamp,
            )
        )
        records[Event].append(
            _row(
                Event,
                at=stamp,
                actor=actor,
                kind="referral_opened",
                case_id=cid,
                referral_id=rid,
                data={"department": wanted["department"]},
            )
        )
    records[Event].append(
        _row(
            Event,
            at=stamp,
            actor=actor,
            kind="case_created",
            case_id=cid,
            referral_id=None,
            data={"version": 1, "policy_version": result["policy_version"]},
        )
    )
    case.records = records


# a block of case numbers for one region and year, in the caller's transaction
_BLOCK = text(
    "INSERT INTO case_counters (prefix, last) VALUES (:prefix, :n) "
    "ON CONFLICT (prefix) DO UPDATE SET last = case_counters.last + :n RETURNING last"
)


def _number(session: Session, cases: list[NewCase]) -> None:
    """Give each case the next number of its region and year, in row order (as
    `next_case_number` would one by one); rolled back with the transaction."""
    by_prefix: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        record = case.records[Case][0]
        prefix = number_prefix(record["region_code"], record["created_at"])
        by_prefix.setdefault(prefix, []).append(record)
    for prefix, records in by_prefix.items():
        last = session.execute(_BLOCK, {"prefix": prefix, "n": len(records)}).scalar_one()
        first = last - len(records) + 1
        for offset, record in enumerate(records):
            record["number"] = f"{prefix}-{first + offset:06d}"


def insert_cases(session: Session, cases: list[NewCase]) -> None:
    """Bulk-insert the records of `cases`, table by table (ledger/survey/bulk.py)."""
    _number(session, cases)
    connection = session.connection()
    for model in TABLES:
        rows = [r for case in cases for r in case.records[model]]
        if rows:
            insert_records(connection, model, rows)


def write_chunk(
    session: Session,
    cases: list[NewCase],
    classify: Callable[[Session, NewCase], str],
) -> dict[str, str]:
    """Store `cases` and commit; the cases that could not be stored, by key, with why:
    `engine` (the rules engine failed on the row), or what `classify` finds in the database
    after the row's savepoint failed (`existing`, `duplicate_id`…). A database error that
    is not about one row propagates, nothing of the chunk committed."""
    try:
        insert_cases(session, cases)
        session.commit()
        return {}
    except (IntegrityError, RulesRuntimeError):
        session.rollback()
    failed: dict[str, str] = {}
    for case in cases:
        savepoint = session.begin_nested()
        try:
            insert_cases(session, [case])
            savepoint.commit()
        except RulesRuntimeError:
            savepoint.rollback()
            failed[case.key] = "engine"
        except IntegrityError:
            savepoint.rollback()
            failed[case.key] = classify(session, case)
    session.commit()
    return failed
