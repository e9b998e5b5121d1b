"""Ledger tables. Nothing is ever deleted: a case is closed, a referral ends in a status."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JsonColumn = JSON().with_variant(JSONB(), "postgresql")


def now() -> datetime:
    """Time stamps are UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """Random, unguessable ids for cases and referrals."""
    return uuid.uuid4().hex


def _json() -> Any:
    return Field(sa_column=Column(JsonColumn, nullable=False))


class Case(SQLModel, table=True):
    """A woman in the ledger. Identity: a keyed hash of her ID, its last four, her name."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_created_at_id", "created_at", "id"),)  # the list's order

    id: str = Field(primary_key=True, max_length=32)
    # a short number for people: 430121-2025-000123 (region, year, sequence; case_numbers.py)
    number: str | None = Field(default=None, unique=True, max_length=24)
    region_code: str | None = Field(default=None, index=True, max_length=6)
    village: str = Field(max_length=100, index=True)
    status: str = Field(default="open", index=True, max_length=16)
    version: int = 1
    name: str | None = Field(default=None, max_length=100)
    id_hash: str | None = Field(default=None, unique=True, max_length=64)
    id_last4: str | None = Field(default=None, max_length=4)
    idempotency_key: str | None = Field(default=None, unique=True, max_length=200)
    # keyed hash of the request that used the key: the same key with another request is a 409
    request_fingerprint: str | None = Field(default=None, max_length=64)
    hardship: bool = Field(default=False, index=True)
    next_review_due: date | None = Field(default=None, index=True)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


class ProfileVersion(SQLModel, table=True):
    """One version of a case's profile (facts and birth date; never name or ID number)."""

    __tablename__ = "profile_versions"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=32)
    version: int
    profile: dict[str, Any] = _json()
    created_at: datetime
    actor: str = Field(max_length=100)


class Assessment(SQLModel, table=True):
    """An immutable receipt: which profile version, on which date, under which policy, and
    the full result (docs/contract.md §3)."""

    __tablename__ = "assessments"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=32)
    profile_version: int
    as_of: date
    policy_version: str = Field(max_length=80)
    reason: str = Field(max_length=16)  # create | update | reassess
    result: dict[str, Any] = _json()
    created_at: datetime
    actor: str = Field(max_length=100)


class CaseCode(SQLModel, table=True):
    """Index of the latest assessment: each code listed and its status."""

    __tablename__ = "case_codes"

    case_id: str = Field(foreign_key="cases.id", primary_key=True, max_length=32)
    code: str = Field(primary_key=True, index=True, max_length=64)
    status: str = Field(max_length=32)


class CaseClassification(SQLModel, table=True):
    """Index of the latest assessment: each classification (None = unknown)."""

    __tablename__ = "case_classifications"
    # the case list's filter by classification reads only this index
    __table_args__ = (Index("ix_case_classifications_name_value", "name", "value", "case_id"),)

    case_id: str = Field(foreign_key="cases.id", primary_key=True, max_length=32)
    name: str = Field(primary_key=True, index=True, max_length=64)
    value: bool | None = None


class Referral(SQLModel, table=True):
    """A referral of a case to one lead department, tracked until the department closes it."""

    __tablename__ = "referrals"

    id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=32)
    department: str = Field(index=True, max_length=32)
    region_code: str | None = Field(default=None, index=True, max_length=6)
    codes: list[str] = _json()
    urgent: bool = False
    status: str = Field(index=True, max_length=32)
    created_at: datetime
    updated_at: datetime


class ReferralEvent(SQLModel, table=True):
    """One step in a referral's history."""

    __tablename__ = "referral_events"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: str = Field(foreign_key="referrals.id", index=True, max_length=32)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    note: str | None = Field(default=None, max_length=2000)
    actor: str = Field(max_length=100)
    at: datetime


class Event(SQLModel, table=True):
    """The append-only log of everything that happened in the ledger (no identity in it)."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=100)
    kind: str = Field(index=True, max_length=40)
    case_id: str | None = Field(default=None, index=True, max_length=32)
    referral_id: str | None = Field(default=None, max_length=32)
    data: dict[str, Any] = _json()


class Token(SQLModel, table=True):
    """An API token: only its SHA-256 is kept; the token itself is shown once."""

    __tablename__ = "tokens"

    id: str = Field(primary_key=True, max_length=32)
    token_hash: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    region: str | None = Field(default=None, max_length=6)
    department: str | None = Field(default=None, max_length=32)
    created_at: datetime
    created_by: str = Field(max_length=100)
    revoked_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Who saw or changed what, when: append-only; no route updates or deletes it."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(index=True, max_length=100)
    role: str = Field(max_length=16)
    action: str = Field(index=True, max_length=40)
    case_id: str | None = Field(default=None, index=True, max_length=32)
    referral_id: str | None = Field(default=None, index=True, max_length=32)
    fields: list[str] = _json()
    detail: dict[str, Any] = _json()


class CaseCounter(SQLModel, table=True):
    """The last sequence number given to a case of one region and year (`430121-2025`)."""

    __tablename__ = "case_counters"

    prefix: str = Field(primary_key=True, max_length=16)
    last: int = 0


class WebSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of its cookie is kept. It lives while its token
    is not revoked, nobody signed out and it was used within the idle limit (8 hours)."""

    __tablename__ = "web_sessions"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie value
    token_id: str = Field(foreign_key="tokens.id", index=True, max_length=32)
    csrf: str = Field(max_length=64)
    created_at: datetime
    last_seen: datetime
    ended_at: datetime | None = None


class PolicyVersion(SQLModel, table=True):
    """A policy set the service has served, stored whole by its hash (never changed)."""

    __tablename__ = "policy_versions"

    version: str = Field(primary_key=True, max_length=80)
    # [{"folder": 0|1|2…, "path": "rules/…yaml", "text": "…"}] exactly as hashed
    files: list[dict[str, Any]] = _json()
    rules: int
    parameter_files: int
    first_served_at: datetime
    # the last time a process put this set in service: the newest is the cluster's current set
    activated_at: datetime = Field(index=True)


class ImpactJob(SQLModel, table=True):
    """A replay of the ledger under a draft (POST /v1/policies/impact), run in the background
    by the replica that took it; any replica answers its status from here."""

    __tablename__ = "impact_jobs"

    id: str = Field(primary_key=True, max_length=32)
    status: str = Field(max_length=16)  # queued | running | done | failed
    created_by: str = Field(max_length=100)
    region: str | None = Field(default=None, max_length=6)
    as_of: date
    base_version: str = Field(max_length=80)
    draft_version: str = Field(max_length=80)
    done: int = 0
    total: int = 0
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonColumn, nullable=True))
    error: str | None = Field(default=None, max_length=200)
    created_at: datetime
    finished_at: datetime | None = None
