"""The filters of the case list (GET /v1/cases, /app/cases and its exports): region prefix,
classification, code, review due or overdue, status, village, a referral's status, and a
search by name or by the last four characters of the ID number."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from ledger.models import Case, CaseClassification, CaseCode, Referral


def region_prefix(region: str) -> str:
    """430000 → "43" (a province), 430100 → "4301", 430121 → "430121"."""
    prefix = region
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def _search(query: SelectOfScalar[Case], text: str) -> SelectOfScalar[Case]:
    """A name (exact or its beginning) or the last four characters of the ID number."""
    text = text.strip().upper()
    if (
        len(text) == 4
        and text.isascii()
        and text[:3].isdigit()
        and (text[3].isdigit() or text[3] == "X")
    ):
        return query.where(Case.id_last4 == text)
    return query.where(col(Case.name).startswith(text))


def filtered_cases(
    *,
    region: str | None,
    classification: str | None,
    code: str | None,
    review_due_on: date | None,
    review_overdue_on: date | None,
    status: str | None,
    village: str | None,
    referral_status: str | None,
    search: str | None,
) -> SelectOfScalar[Case]:
    """The query of `list_cases` (unordered, unpaged): exports use it too."""
    query = select(Case)
    if region:
        query = query.where(col(Case.region_code).startswith(region_prefix(region)))
    if classification:
        query = query.where(
            col(Case.id).in_(
                select(CaseClassification.case_id).where(
                    CaseClassification.name == classification,
                    col(CaseClassification.value).is_(True),
                )
            )
        )
    if code:
        query = query.where(col(Case.id).in_(select(CaseCode.case_id).where(CaseCode.code == code)))
    if review_due_on:
        query = query.where(col(Case.next_review_due) <= review_due_on)
    if review_overdue_on:
        query = query.where(col(Case.next_review_due) < review_overdue_on)
    if status:
        query = query.where(Case.status == status)
    if village:
        query = query.where(Case.village == village)
    if referral_status:
        query = query.where(
            col(Case.id).in_(select(Referral.case_id).where(Referral.status == referral_status))
        )
    if search and search.strip():
        query = _search(query, search)
    return query
