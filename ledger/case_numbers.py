"""Short case numbers for people: `430121-2025-000123` — the case's region, the year it was
recorded (Beijing time) and a sequence per region and year, given once and never reused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlmodel import Session

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
NO_REGION = "000000"

# One statement on both SQLite (3.35+) and PostgreSQL: the row is locked by the upsert, so
# two concurrent creates never get the same number.
_NEXT = text(
    "INSERT INTO case_counters (prefix, last) VALUES (:prefix, 1) "
    "ON CONFLICT (prefix) DO UPDATE SET last = case_counters.last + 1 RETURNING last"
)


def number_prefix(region_code: str | None, created_at: datetime) -> str:
    """`430121-2025` for a case of 430121 recorded in 2025 (Beijing time)."""
    return f"{region_code or NO_REGION}-{created_at.astimezone(BEIJING).year}"


def next_case_number(session: Session, region_code: str | None, created_at: datetime) -> str:
    """The next number of this region and year (inside the caller's transaction)."""
    prefix = number_prefix(region_code, created_at)
    last = session.execute(_NEXT, {"prefix": prefix}).scalar_one()
    return f"{prefix}-{last:06d}"
