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


# -- GET /v1/policies/versions, /v1/policies/{version}, /v1/policies/diff -------------------
class PolicyVersionOut(BaseModel):
    """A policy version that has served."""

    policy_version: str
    rules: int
    parameter_files: int
    first_served_at: str = Field(description="首次提供服务的时间 / first served")
    activated_at: str = Field(description="最近启用的时间 / last put in service")


class PolicyVersionsOut(BaseModel):
    """Every policy version served, the first served first."""

    versions: list[PolicyVersionOut]


class StoredPoliciesOut(PoliciesOut):
    """A stored set: what it held, when it first served, and every file as served."""

    first_served_at: str
    sources: list[dict[str, Any]] = Field(description="每个文件及其内容 / every file as served")


class RuleRef(BaseModel):
    """A rule added or removed."""

    id: str
    target: str
    title: str


class RuleChange(RuleRef):
    """A rule changed: what changed, before and after (condition sentences)."""

    changes: list[str]
    before: list[str]
    after: list[str]


class ParameterChange(BaseModel):
    """A regional parameter whose entries changed."""

    region: str
    parameter: str
    zh: str
    before: list[str]
    after: list[str]


class PolicyDiffOut(BaseModel):
    """What changed between two policy versions."""

    a: str
    b: str
    rules_added: list[RuleRef]
    rules_removed: list[RuleRef]
    rules_changed: list[RuleChange]
    parameters: list[ParameterChange]
    files: Any = Field(description="改动的文件 / files changed")
    lines: list[str] = Field(description="中文说明，每行一处改动 / the changes in Chinese")


class ExplainedAgainOut(BaseModel):
    """An old assessment evaluated again under the set that made it, on its own date."""

    assessment_id: int
    policy_version: str
    as_of: dt.date
    same: bool = Field(description="结果是否与当时一致 / whether it comes out the same")
    result: dict[str, Any] = Field(description="重新评估的结果 / the result again")
