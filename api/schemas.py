"""What the doors read and print besides docs/contract.md §3: the eligibility request, the catalog,
the loaded policies, health."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.errors import InvalidRequestError, prefixed
from engine import Evaluator, FieldError, Profile, ProfileError
from engine.result import DepartmentsOut

# -- POST /v1/eligibility ------------------------------------------------------------------
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


_EXPLAIN = ("applicable", "all")
Explain = Literal["applicable", "all"]


@dataclass(frozen=True)
class EligibilityRequest:
    """`{"profile": {…}, "as_of": "YYYY-MM-DD", "explain": "applicable" | "all"}`, checked as
    strictly as the profile."""

    profile: Profile
    as_of: dt.date | None
    explain: Explain = "applicable"

    @classmethod
    def parse(cls, body: Any) -> EligibilityRequest:
        """The request, or InvalidRequestError naming every bad field (`profile.x`, `as_of`)."""
        if not isinstance(body, dict):
            raise InvalidRequestError(
                [
                    FieldError(
                        "body",
                        "请求体应为 JSON 对象，包含 profile",
                        "The body must be a JSON object with a profile",
                    )
                ]
            )
        problems = [
            FieldError(
                key,
                "不允许的字段：请求只能包含 profile、as_of 和 explain",
                "Extra inputs are not permitted (only profile, as_of and explain)",
            )
            for key in body
            if key not in ("profile", "as_of", "explain")
        ]
        profile: Profile | None = None
        raw_profile = body.get("profile")
        if raw_profile is None:
            problems.append(FieldError("profile", "缺少必填字段", "Field required"))
        elif not isinstance(raw_profile, dict):
            problems.append(FieldError("profile", "应为 JSON 对象", "Input should be an object"))
        else:
            try:
                profile = Evaluator.validate(raw_profile)
            except ProfileError as exc:
                problems.extend(prefixed(exc.errors, "profile"))
        as_of, problem = _as_of(body.get("as_of"))
        if problem is not None:
            problems.append(problem)
        explain = body.get("explain", "applicable")
        if explain not in _EXPLAIN:
            problems.append(
                FieldError(
                    "explain",
                    "应为 applicable（只列适用的结论，默认）或 all（另说明不适用的原因）",
                    "Input should be 'applicable' (default) or 'all'",
                )
            )
        if problems or profile is None:
            raise InvalidRequestError(problems)
        return cls(profile, as_of, explain)


def _as_of(value: Any) -> tuple[dt.date | None, FieldError | None]:
    if value is None:
        return None, None
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value), None
        except ValueError:
            pass
    return None, FieldError("as_of", "应为日期 YYYY-MM-DD", "Input should be a date YYYY-MM-DD")


ELIGIBILITY_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "title": "EligibilityRequest",
                "type": "object",
                "additionalProperties": False,
                "required": ["profile"],
                "properties": {
                    "profile": Profile.model_json_schema(),
                    "as_of": {
                        "anyOf": [{"type": "string", "format": "date"}, {"type": "null"}],
                        "description": "评估日期，默认今天 (evaluation date, default today)",
                    },
                    "explain": {
                        "type": "string",
                        "enum": list(_EXPLAIN),
                        "default": "applicable",
                        "description": (
                            "all：另给出每个分类的理由和每个不适用代码的原因"
                            "（classification_reasons, not_applicable）"
                            " / all: also why each classification and why not each code"
                        ),
                    },
                },
            },
            "example": {
                "profile": {
                    "sex": "female",
                    "age_years": 42,
                    "marital_status": "married",
                    "husband_away": True,
                    "husband_away_reason": "migrant_work",
                    "husband_away_continuous_months": 12,
                    "residence_area": "village",
                    "region_code": "430121",
                    "household_income_pc_monthly": 500,
                },
                "as_of": "2025-06-01",
            },
        }
    },
}


# -- GET /v1/catalog -------------------------------------------------------------------------
class Label(BaseModel):
    """A label in Chinese and English."""

    zh: str
    en: str


class FactValueOut(BaseModel):
    """One allowed value of an enum or list fact."""

    value: str
    label: Label


class FactOut(BaseModel):
    """A profile fact: its type, labels, allowed values and what its absence means."""

    name: str
    type: Literal["boolean", "integer", "number", "enum", "list", "string"]
    label: Label
    values: list[FactValueOut] | None
    absent: Literal["unknown", "false", "empty"]
    question: Label | None
    unit: str | None
    min: float | None


class ClassificationOut(BaseModel):
    """A derived classification."""

    name: str
    label: Label


class CodeOut(BaseModel):
    """A benefit, service, referral, info or obligation code."""

    code: str
    name: Label
    category: str
    kind: str
    urgent: bool
    departments: DepartmentsOut


class DepartmentOut(BaseModel):
    """A department a code can be referred to."""

    code: str
    name: Label
    national: str | None
    signatory: bool


class ParameterOut(BaseModel):
    """A parameter a region may set, with its national default."""

    name: str
    type: Literal["boolean", "integer", "number", "list"]
    label: Label
    unit: str | None
    default: Any
    overridable: bool | Literal["required"]
    direction: Literal["may_only_decrease", "may_only_widen"] | None
    basis: Literal["doc", "law", "judgement"] | None


class CatalogOut(BaseModel):
    """The catalog, each list in catalog order."""

    policy_version: str
    facts: list[FactOut]
    classifications: list[ClassificationOut]
    codes: list[CodeOut]
    departments: list[DepartmentOut]
    parameters: list[ParameterOut]


# -- GET /v1/policies -----------------------------------------------------------------------
class DocumentOut(BaseModel):
    """A source document rules cite."""

    id: str
    title: str
    en: str | None
    number: str | None
    date: dt.date | None
    effective: dt.date | None
    verified: bool


class EffectiveOut(BaseModel):
    """The dates a rule is in force, both inclusive."""

    model_config = ConfigDict(populate_by_name=True)

    start: dt.date | None = Field(alias="from")
    to: dt.date | None


class CitationRef(BaseModel):
    """Where a rule comes from."""

    source: str
    article: str | None
    section: str | None
    quote: str | None


class RuleOut(BaseModel):
    """A loaded rule: what it decides, where it is written, on what basis, since when."""

    id: str
    target: str
    kind: Literal["code", "classification"]
    title: str
    file: str
    line: int
    basis: Literal["doc", "law", "judgement"]
    effective: EffectiveOut | None
    cite: list[CitationRef]


class ParameterFileOut(BaseModel):
    """A loaded parameter file and the parameters it sets."""

    file: str
    region: str
    name: str | None
    parameters: list[str]


class PoliciesOut(BaseModel):
    """Everything loaded, and the version hash over all of it."""

    policy_version: str
    files: list[str]
    documents: list[DocumentOut]
    rules: list[RuleOut]
    parameter_files: list[ParameterFileOut]


class ReloadOut(BaseModel):
    """A successful reload: the version now serving and the one before."""

    policy_version: str
    previous_version: str
    changed: bool


# -- GET /healthz ---------------------------------------------------------------------------
class HealthOut(BaseModel):
    """The service is up, serving this policy version."""

    status: Literal["ok"]
    policy_version: str
