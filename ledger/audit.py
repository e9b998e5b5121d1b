"""The audit log: every read of a case or referral, every write, transition, export and token
change, with who, their role, what, which case, when and which fields were shown."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ledger.models import AuditEntry, now
from ledger.principal import Principal


def record(
    session: Session,
    principal: Principal,
    action: str,
    *,
    case_id: str | None = None,
    referral_id: str | None = None,
    fields: Iterable[str] = (),
    **detail: Any,
) -> None:
    """Append one entry and commit it (a read is only answered once it is audited)."""
    session.add(
        AuditEntry(
            at=now(),
            actor=principal.name,
            role=principal.role,
            action=action,
            case_id=case_id,
            referral_id=referral_id,
            fields=list(fields),
            detail=detail,
        )
    )
    session.commit()


def record_shown(
    session: Session,
    principal: Principal,
    action: str,
    case_ids: Iterable[str | None],
    *,
    fields: Iterable[str] = (),
    **detail: Any,
) -> None:
    """Audit a listing or export: one entry per case shown (so that `GET /v1/audit?case_id=`
    finds every time anyone saw her), all committed at once; one entry if none was shown."""
    stamp, shown = now(), list(dict.fromkeys(c for c in case_ids if c))
    targets: list[str | None] = [*shown] or [None]
    for case_id in targets:
        session.add(
            AuditEntry(
                at=stamp,
                actor=principal.name,
                role=principal.role,
                action=action,
                case_id=case_id,
                fields=list(fields),
                detail={**detail, "count": len(shown)},
            )
        )
    session.commit()


def shown_fields(payload: dict[str, Any]) -> list[str]:
    """The fields a case payload shows: top-level keys, identity and profile facts by name."""
    fields = [k for k in payload if k not in ("identity", "profile")]
    fields += [f"identity.{k}" for k, v in (payload.get("identity") or {}).items() if v is not None]
    fields += [f"profile.{k}" for k in (payload.get("profile") or {})]
    return fields


def entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    case_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    page_size: int = 100,
) -> dict[str, Any]:
    """Audit entries, newest first, filtered."""
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if case_id:
        query = query.where(AuditEntry.case_id == case_id)
    if since:
        query = query.where(col(AuditEntry.at) >= since)
    if until:
        query = query.where(col(AuditEntry.at) <= until)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(AuditEntry.id).desc()).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return {
        "items": [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "role": e.role,
                "action": e.action,
                "case_id": e.case_id,
                "referral_id": e.referral_id,
                "fields": e.fields,
                "detail": e.detail,
            }
            for e in rows
        ],
        "total": total,
        "page": page,
        "page_size": page_size,
    }
