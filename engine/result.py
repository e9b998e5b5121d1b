"""EvaluationResult — the JSON every door prints (docs/contract.md §3)."""

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
    """One lead department and the codes referred to it; `outside_programme` when the codes
    come from national law for a woman outside the programme (docs/contract.md §3a)."""

    department: str
    name: Name
    codes: list[str]
    urgent: bool
    outside_programme: bool = False


class Question(_Out):
    """A fact to ask about, and the codes its answer would decide."""

    fact: str
    label: Name
    question: Name | None = None
    would_decide: list[str]


class Review(_Out):
    """Something a person must decide (docs/contract.md §2: husband away for another reason)."""

    classification: str
    fact: str
    value: Any
    reason: Name


class Region(_Out):
    """The profile's region and the chain parameters resolved along."""

    code: str | None
    chain: list[str]


class ClassificationReason(_Out):
    """A classification's value and the sentences naming the facts and values that decided it."""

    value: bool | None
    reasons: list[str]


class FactValue(_Out):
    """One fact and the value that would, on its own, bring a code into the results."""

    fact: str
    value: Any


class NotApplicable(_Out):
    """A code whose condition is false, why, and which single fact would change that."""

    code: str
    name: Name
    reasons: list[str]
    citations: list[CitationOut]
    would_apply_if: list[FactValue]


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
    outside_programme: list[CodeResult] = []


class ExplainedResult(EvaluationResult):
    """The answer with `"explain": "all"`: also why each classification has its value and
    why each code not listed does not apply (docs/contract.md §3a)."""

    classification_reasons: dict[str, ClassificationReason]
    not_applicable: list[NotApplicable]
