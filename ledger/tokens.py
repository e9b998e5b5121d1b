"""API tokens: created with a role and a region, shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import text
from sqlmodel import Session, col, select

from ledger import revocation
from ledger.audit import record as audit
from ledger.db import Ledger
from ledger.errors import AlreadyRevoked, TokenNotFound
from ledger.models import Token, new_id, now
from ledger.principal import ROLES, Principal, Role

PREFIX = "gat_"


def token_hash(token: str) -> str:
    """What is stored of a token (tokens are random: no key is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    """A new token: the secret (shown once) and its record."""

    token: str
    record: Token


def create_token(
    session: Session,
    *,
    name: str,
    role: str,
    region: str | None,
    department: str | None,
    created_by: str,
    departments: set[str] | None = None,
    national: bool = True,
) -> Issued:
    """Create a token; ValueError with a Chinese-first message when the arguments don't fit.

    With `national=False` a caseworker or department token must name its region (the CLI
    asks for `--national` to make a nationwide one, so that none is made by forgetting)."""
    if role not in ROLES:
        raise ValueError(f"未知角色 {role}（可选：{'、'.join(ROLES)}） / unknown role")
    if region is not None and not (
        len(region) == 6 and region.isascii() and region.isdigit() and region[0] != "0"
    ):
        raise ValueError("区划代码应为6位数字 / region must be a 6-digit code")
    if role == "department" and not department:
        raise ValueError("department 角色须指定 --department / a department token needs one")
    if role != "department" and department:
        raise ValueError("只有 department 角色可以指定部门 / only department tokens name one")
    if department and departments is not None and department not in departments:
        raise ValueError(f"未知部门 {department} / unknown department")
    if role in ("caseworker", "department") and region is None and not national:
        raise ValueError(
            f"{role} 令牌须指定 --region（全国范围请写 --national）"
            f" / a {role} token needs --region, or --national for the whole country"
        )
    token = PREFIX + secrets.token_urlsafe(32)
    record = Token(
        id=new_id()[:12],
        token_hash=token_hash(token),
        name=name,
        role=role,
        region=region,
        department=department,
        created_at=now(),
        created_by=created_by,
    )
    session.add(record)
    audit(
        session,
        Principal(created_by, "admin"),
        "token_created",
        token_id=record.id,
        role=role,
        region=region,
        department=department,
    )  # commits both
    return Issued(token, record)


def list_tokens(session: Session) -> list[dict[str, Any]]:
    """Every token's record (never the token)."""
    rows = session.exec(select(Token).order_by(col(Token.created_at))).all()
    return [
        {
            "id": t.id,
            "name": t.name,
            "role": t.role,
            "region": t.region,
            "department": t.department,
            "created_at": t.created_at.isoformat(),
            "created_by": t.created_by,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in rows
    ]


def revoke_token(
    session: Session,
    token_id: str,
    actor: str,
    *,
    confirm_timeout: float = revocation.CONFIRM_TIMEOUT_S,
) -> Token:
    """Revoke a token at once; revoking twice is a 409.

    On PostgreSQL this returns only when every serving process has confirmed that its token
    cache no longer holds the token (ledger/revocation.py); on SQLite every process reads the
    database's version on each request (ledger/token_cache.py)."""
    record = session.get(Token, token_id)
    if record is None:
        raise TokenNotFound()
    if record.revoked_at is not None:
        raise AlreadyRevoked()
    record.revoked_at = now()
    session.add(record)
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        audit(session, Principal(actor, "admin"), "token_revoked", token_id=token_id)  # commits
        return record
    with revocation.confirmed(bind.engine.url, confirm_timeout) as revoking:
        session.execute(
            text("SELECT pg_notify(:channel, :id)"),
            {"channel": revocation.CHANNEL, "id": revoking.id},
        )  # delivered when the audit commits
        audit(session, Principal(actor, "admin"), "token_revoked", token_id=token_id)
    return record


def principal_for(ledger: Ledger, token: str) -> Principal | None:
    """The principal a token stands for, or None when unknown or revoked (one indexed SELECT,
    no ORM; requests go through ledger/token_cache.py, which calls this on a miss)."""
    if not token.startswith(PREFIX):
        return None
    with ledger.engine.connect() as connection:
        row = connection.execute(_LOOKUP, {"hash": token_hash(token)}).first()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(
        name=row.name, role=cast(Role, row.role), region=row.region, department=row.department
    )


_LOOKUP = text(
    "SELECT name, role, region, department, revoked_at FROM tokens WHERE token_hash = :hash"
)


def ensure_first_admin(ledger: Ledger) -> Issued | None:
    """On the very first start (no token at all), create an admin token to print once."""
    with ledger.session() as session:
        if session.exec(select(Token)).first() is not None:
            return None
        return create_token(
            session,
            name="admin",
            role="admin",
            region=None,
            department=None,
            created_by="first-start",
        )


def ensure_token(ledger: Ledger, token: str, name: str) -> None:
    """Make sure a given admin token exists (GUANAI_ADMIN_TOKEN: automation and tests)."""
    if not token.startswith(PREFIX) or len(token) < 24:
        raise ValueError("GUANAI_ADMIN_TOKEN 须以 gat_ 开头且足够长 / must start with gat_")
    with ledger.session() as session:
        if session.exec(select(Token).where(Token.token_hash == token_hash(token))).first():
            return
        session.add(
            Token(
                id=new_id()[:12],
                token_hash=token_hash(token),
                name=name,
                role="admin",
                created_at=now(),
                created_by="environment",
            )
        )
        session.commit()
