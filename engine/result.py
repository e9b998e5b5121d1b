"""EvaluationResult — the JSON every door prints (SPEC.md §3)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Status = Literal[
    "urgent",
    "choose_higher",
    "eligible",
    "refer_for_assessment",
    "obligation",
    "info",
    "needs_info",
]
REFERRED_STATUSES = frozenset(
    {"urgent", "choose_higher", "eligible", "refer_for_assessment", "obligation"}
)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Text(_Out):
    """A text in Chinese and English, Chinese first: every name, label and message printed
    (the API's schemas use this one type too)."""

    zh: str
    en: str


Name = Text  # what the result calls a code's or department's Text


class CitationOut(_Out):
    """A citation as printed: the document, its number, the article or section, a quote."""

    document: str
    number: str | None = None
    article: str | None = None
    section: str | None = None
    quote: str | None = None


class DepartmentsOut(_Out):
    """Lead and support departments of a code."""

    lead: list[str]
    support: list[str]


class CodeResult(_Out):
    """What one code came to for this profile."""

    code: str
    status: Status
    name: Name
    category: str
    kind: str
    departments: DepartmentsOut
    basis: str
    rule: str
    citations: list[CitationOut]
    reasons: list[str]
    missing_facts: list[str]
    outputs: dict[str, Any]


class Referral(_Out):
    """One lead department and the codes referred to it."""

    department: str
    name: Name
    codes: list[str]
    urgent: bool


class Question(_Out):
    """A fact to ask about, and the codes its answer would decide."""

    fact: str
    label: Name
    question: Name | None = None
    would_decide: list[str]


class Review(_Out):
    """Something a person must decide (SPEC.md §2: husband away for another reason)."""

    classification: str
    fact: str
    value: Any
    reason: Name


class Region(_Out):
    """The profile's region and the chain parameters resolved along."""

    code: str | None
    chain: list[str]


class EvaluationResult(_Out):
    """The full answer for one profile on one date."""

    as_of: str
    policy_version: str
    region: Region
    classifications: dict[str, bool | None]
    results: list[CodeResult]
    referrals: list[Referral]
    questions: list[Question]
    reviews: list[Review]
    missing_parameters: list[str]
