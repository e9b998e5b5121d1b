"""Browser sessions of the workbench (/app): one row per sign-in, kept server-side.

The cookie holds a random value; only its SHA-256 is stored. A session stands for the token
it was opened with: revoking the token ends every session at once (the lookup joins the
token), and so does signing out or 8 hours without a request (a working day).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from ledger.db import Ledger
from ledger.models import Token, WebSession, now
from ledger.principal import Principal, Role
from ledger.tokens import token_hash

IDLE_LIMIT = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most once a minute


@dataclass(frozen=True)
class Opened:
    """A new session: the cookie value (given to the browser once) and its CSRF token."""

    cookie: str
    csrf: str


@dataclass(frozen=True)
class Active:
    """A live session: who it stands for and the CSRF token its forms carry."""

    key: str
    principal: Principal
    csrf: str


def _key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def open_session(session: Session, token: str) -> tuple[Opened, Principal] | None:
    """Sign in with a token: a new session, or None if the token is unknown or revoked."""
    record = session.exec(select(Token).where(Token.token_hash == token_hash(token))).first()
    if record is None or record.revoked_at is not None:
        return None
    cookie, csrf, stamp = secrets.token_urlsafe(32), secrets.token_urlsafe(32), now()
    session.add(
        WebSession(
            id=_key(cookie), token_id=record.id, csrf=csrf, created_at=stamp, last_seen=stamp
        )
    )
    session.commit()
    principal = Principal(
        name=record.name,
        role=cast(Role, record.role),
        region=record.region,
        department=record.department,
    )
    return Opened(cookie, csrf), principal


_LOOKUP = text(
    "SELECT s.csrf, s.last_seen, s.ended_at, t.name, t.role, t.region, t.department,"
    " t.revoked_at FROM web_sessions s JOIN tokens t ON t.id = s.token_id WHERE s.id = :key"
)


def _utc(stamp: datetime | str) -> datetime:
    value = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(stamp)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def active_session(ledger: Ledger, cookie: str) -> Active | None:
    """The live session of a cookie (and mark it used), or None when ended, idle or revoked."""
    key = _key(cookie)
    with ledger.engine.connect() as connection:
        row = connection.execute(_LOOKUP, {"key": key}).first()
    if row is None or row.ended_at is not None or row.revoked_at is not None:
        return None
    stamp, seen = now(), _utc(row.last_seen)
    if stamp - seen > IDLE_LIMIT:
        return None
    if stamp - seen > TOUCH_EVERY:
        with ledger.engine.begin() as connection:
            connection.execute(
                update(WebSession).where(col(WebSession.id) == key).values(last_seen=stamp)
            )
    principal = Principal(
        name=row.name, role=cast(Role, row.role), region=row.region, department=row.department
    )
    return Active(key=key, principal=principal, csrf=row.csrf)


def end_session(ledger: Ledger, key: str) -> None:
    """Sign out: the session is ended for good."""
    with ledger.engine.begin() as connection:
        connection.execute(
            update(WebSession)
            .where(col(WebSession.id) == key, col(WebSession.ended_at).is_(None))
            .values(ended_at=now())
        )
