"""What the doors print besides the evaluation result and the ledger: the catalog, the loaded
policies, health."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.text import Text
from engine.result import DepartmentsOut


# -- GET /v1/catalog -------------------------------------------------------------------------
class FactValueOut(BaseModel):
    """One allowed value of an enum or list fact."""

    value: str
    label: Text


class FactOut(BaseModel):
    """A profile fact: its type, labels, allowed values and what its absence means."""

    name: str
    type: Literal["boolean", "integer", "number", "enum", "list", "string"]
    label: Text
    values: list[FactValueOut] | None
    absent: Literal["unknown", "false", "empty"]
    question: Text | None
    unit: str | None
    min: float | None


class ClassificationOut(BaseModel):
    """A derived classification."""

    name: str
    label: Text


class CodeOut(BaseModel):
    """A benefit, service, referral, info or obligation code."""

    code: str
    name: Text
    category: str
    kind: str
    urgent: bool
    departments: DepartmentsOut


class DepartmentOut(BaseModel):
    """A department a code can be referred to."""

    code: str
    name: Text
    national: str | None
    signatory: bool


class ParameterOut(BaseModel):
    """A parameter a region may set, with its national default."""

    name: str
    type: Literal["boolean", "integer", "number", "list"]
    label: Text
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


class ReadyOut(BaseModel):
    """Ready: the database answers and this policy version is serving."""

    status: Literal["ready"]
    database: Literal["ok"]
    policy_version: str
