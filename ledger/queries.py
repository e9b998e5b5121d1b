"""Reading the ledger: case lists and details, the review queue, the summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from ledger.case_filters import filtered_cases, region_prefix
from ledger.identity import mask_name
from ledger.models import (
    Assessment,
    Case,
    CaseClassification,
    CaseCode,
    ProfileVersion,
    Referral,
    ReferralEvent,
)

T = TypeVar("T")


def identity(case: Case) -> dict[str, Any]:
    """Identity as shown: the masked name and the last four characters of the ID."""
    return {"name": mask_name(case.name), "id_last4": case.id_last4}


def case_summary(case: Case) -> dict[str, Any]:
    """A case as listed."""
    return {
        "id": case.id,
        "number": case.number,
        "region_code": case.region_code,
        "village": case.village,
        "identity": identity(case),
        "status": case.status,
        "version": case.version,
        "hardship": case.hardship,
        "next_review_due": case.next_review_due.isoformat() if case.next_review_due else None,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }


def referral_out(referral: Referral, history: list[ReferralEvent] | None = None) -> dict[str, Any]:
    """A referral as shown (with its history when given)."""
    out: dict[str, Any] = {
        "id": referral.id,
        "case_id": referral.case_id,
        "department": referral.department,
        "region_code": referral.region_code,
        "codes": list(referral.codes),
        "status": referral.status,
        "urgent": referral.urgent,
        "created_at": referral.created_at.isoformat(),
        "updated_at": referral.updated_at.isoformat(),
    }
    if history is not None:
        out["version"] = len(history)  # the ETag; If-Match of a transition names it
        out["history"] = [
            {
                "from": e.from_status,
                "to": e.to_status,
                "note": e.note,
                "actor": e.actor,
                "at": e.at.isoformat(),
            }
            for e in history
        ]
    return out


def assessment_out(assessment: Assessment) -> dict[str, Any]:
    """An assessment receipt."""
    return {
        "id": assessment.id,
        "profile_version": assessment.profile_version,
        "as_of": assessment.as_of.isoformat(),
        "policy_version": assessment.policy_version,
        "reason": assessment.reason,
        "created_at": assessment.created_at.isoformat(),
        "actor": assessment.actor,
        "result": assessment.result,
    }


def case_detail(session: Session, case: Case) -> dict[str, Any]:
    """A case with its current profile, every assessment, every referral and its history."""
    profile = session.exec(
        select(ProfileVersion).where(
            ProfileVersion.case_id == case.id, ProfileVersion.version == case.version
        )
    ).one()
    assessments = session.exec(
        select(Assessment).where(Assessment.case_id == case.id).order_by(col(Assessment.id))
    ).all()
    referrals = session.exec(
        select(Referral).where(Referral.case_id == case.id).order_by(col(Referral.created_at))
    ).all()
    events = session.exec(
        select(ReferralEvent)
        .where(col(ReferralEvent.referral_id).in_([r.id for r in referrals]))
        .order_by(col(ReferralEvent.id))
    ).all()
    by_referral: dict[str, list[ReferralEvent]] = {}
    for e in events:
        by_referral.setdefault(e.referral_id, []).append(e)
    facts = {k: v for k, v in profile.profile.items() if k != "birth_date"}
    return {
        **case_summary(case),
        "profile": facts,
        "assessments": [assessment_out(a) for a in assessments],
        "referrals": [referral_out(r, by_referral.get(r.id, [])) for r in referrals],
    }


def _page(
    session: Session,
    query: SelectOfScalar[T],
    show: Callable[[T], dict[str, Any]],
    page: int,
    page_size: int,
) -> dict[str, Any]:
    """One page of an ordered query: its items as shown, the total, the page."""
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.offset((page - 1) * page_size).limit(page_size)).all()
    return {"items": [show(r) for r in rows], "total": total, "page": page, "page_size": page_size}


def list_cases(
    session: Session,
    *,
    region: str | None = None,
    classification: str | None = None,
    code: str | None = None,
    review_due_on: date | None = None,
    review_overdue_on: date | None = None,
    status: str | None = None,
    village: str | None = None,
    referral_status: str | None = None,
    search: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """Cases filtered by region prefix, classification (true), code, review due (on or before
    a day) or overdue (before a day), status, village, a referral's status, name or last four."""
    query = filtered_cases(
        region=region,
        classification=classification,
        code=code,
        review_due_on=review_due_on,
        review_overdue_on=review_overdue_on,
        status=status,
        village=village,
        referral_status=referral_status,
        search=search,
    )
    ordered = query.order_by(col(Case.created_at), col(Case.id))
    return _page(session, ordered, case_summary, page, page_size)


def due_for_review(
    session: Session, *, on: date, region: str | None = None
) -> list[dict[str, Any]]:
    """Open hardship cases whose six-monthly (or regional) review is due on `on`."""
    query = select(Case).where(
        col(Case.hardship).is_(True),
        Case.status == "open",
        col(Case.next_review_due) <= on,
    )
    if region:
        query = query.where(col(Case.region_code).startswith(region_prefix(region)))
    rows = session.exec(query.order_by(col(Case.next_review_due), col(Case.id))).all()
    return [
        {**case_summary(c), "days_overdue": (on - c.next_review_due).days}
        for c in rows
        if c.next_review_due is not None
    ]


def summary(session: Session, *, on: date, region: str | None = None) -> dict[str, Any]:
    """Counts for a region: cases, classifications, codes by status, referrals, overdue reviews."""
    case_ids = select(Case.id)
    statuses = select(Case.status, func.count()).group_by(Case.status)
    if region:
        prefix = region_prefix(region)
        case_ids = case_ids.where(col(Case.region_code).startswith(prefix))
        statuses = statuses.where(col(Case.region_code).startswith(prefix))
    status_counts: dict[str, int] = dict(session.exec(statuses).all())
    classes: dict[str, dict[str, int]] = {}
    for name, value, count in session.exec(
        select(CaseClassification.name, CaseClassification.value, func.count())
        .where(col(CaseClassification.case_id).in_(case_ids))
        .group_by(CaseClassification.name, col(CaseClassification.value))
    ).all():
        label = "unknown" if value is None else "true" if value else "false"
        classes.setdefault(name, {})[label] = count
    codes: dict[str, dict[str, int]] = {}
    for code, status, count in session.exec(
        select(CaseCode.code, CaseCode.status, func.count())
        .where(col(CaseCode.case_id).in_(case_ids))
        .group_by(CaseCode.code, CaseCode.status)
    ).all():
        codes.setdefault(code, {})[status] = count
    referrals: dict[str, dict[str, int]] = {}
    for department, status, count in session.exec(
        select(Referral.department, Referral.status, func.count())
        .where(col(Referral.case_id).in_(case_ids))
        .group_by(Referral.department, Referral.status)
    ).all():
        referrals.setdefault(department, {})[status] = count
    return {
        "region": region,
        "as_of": on.isoformat(),
        "cases": {"total": sum(status_counts.values()), **status_counts},
        "classifications": classes,
        "codes": codes,
        "referrals": referrals,
        "overdue_reviews": len(due_for_review(session, on=on, region=region)),
    }


def list_referrals(
    session: Session,
    *,
    department: str | None = None,
    region: str | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """Referrals filtered by department, region prefix and status."""
    query = select(Referral)
    if department:
        query = query.where(Referral.department == department)
    if region:
        query = query.where(col(Referral.region_code).startswith(region_prefix(region)))
    if status:
        query = query.where(Referral.status == status)
    ordered = query.order_by(col(Referral.created_at), col(Referral.id))
    return _page(session, ordered, referral_out, page, page_size)
