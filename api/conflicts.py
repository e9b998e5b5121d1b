"""Conflicts that must not tell a caseworker about a woman outside her region (issue 9, D4).

Whether a woman is registered at all is sensitive. A duplicate ID number, an Idempotency-Key
reused, or a replay of that key, that points at a case outside the caller's region is
answered with one and the same 409 — no case id, no region — whatever the cause, and the
attempt is audited (`conflict_hidden`, with the case it hit, for the admins to see).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from api.access import in_region
from api.errors import ConflictError, message
from ledger.audit import record
from ledger.errors import DuplicateCase, IdempotencyKeyReused
from ledger.models import Case
from ledger.principal import Principal

HIDDEN = message(
    "无法登记：与台账中已有的记录冲突，请联系上级民政部门核实",
    "This conflicts with a record in the ledger; ask the civil-affairs office above you",
)


def _refuse(session: Session, principal: Principal, case_id: str | None, cause: str) -> None:
    session.rollback()
    record(session, principal, "conflict_hidden", case_id=case_id, cause=cause)
    raise ConflictError(dict(HIDDEN))


@contextmanager
def hidden_conflicts(session: Session, principal: Principal) -> Iterator[None]:
    """Inside: a conflict with a case the principal may not see becomes the one hidden 409."""
    try:
        yield
    except (DuplicateCase, IdempotencyKeyReused) as exc:
        if in_region(principal, exc.region_code):
            raise
        cause = "id_number" if isinstance(exc, DuplicateCase) else "idempotency_key"
        _refuse(session, principal, exc.case_id, cause)


def refuse_hidden_replay(session: Session, principal: Principal, case: Case) -> None:
    """A replay of someone else's request returns the case only to those who may see it."""
    if not in_region(principal, case.region_code):
        _refuse(session, principal, case.id, "idempotency_key")
