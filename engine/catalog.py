"""The catalog policy staff maintain: facts, classifications, codes, departments, documents,
parameter definitions (policies/catalog/*.yaml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from engine.errors import PolicyError, PolicyIssue, relative
from engine.yamlfile import line_of, load_yaml

M = TypeVar("M", bound=BaseModel)

Category = Literal[
    "case_management",
    "basic_living",
    "disability",
    "employment",
    "culture",
    "rights",
    "health",
    "family",
]
CATEGORIES: tuple[str, ...] = get_args(Category)  # the order results are listed in
Kind = Literal["benefit", "service", "referral", "info", "obligation"]
FactType = Literal["boolean", "integer", "number", "enum", "list", "string"]
ParamType = Literal["boolean", "integer", "number", "list"]


class Strict(BaseModel):
    """Base of every policy-file model: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(Strict):
    """A name in Chinese and English."""

    zh: str
    en: str


class ValueLabel(Label):
    """An allowed value's name; `also` lists other words clerks write for it (乡里, 镇上)."""

    also: list[str] = []


def _absent(value: Any) -> Any:
    """`absent: false` in YAML is the boolean false; it means the string "false" here."""
    return "false" if value is False else value


class FactDef(Strict):
    """One profile fact as the rules see it."""

    type: FactType
    zh: str
    en: str
    values: dict[str, ValueLabel] | None = None
    absent: Annotated[Literal["unknown", "false", "empty"], BeforeValidator(_absent)] = "unknown"
    question: Label | None = None
    min: float | None = None
    unit: str | None = None

    def value_label(self, value: Any) -> str:
        """The Chinese label of an enum/list value (the value itself when unlabelled)."""
        if self.values and str(value) in self.values:
            return self.values[str(value)].zh
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


class ClassificationDef(Strict):
    """A derived classification (docs/contract.md §3 `classifications`)."""

    zh: str
    en: str
    true_zh: str
    false_zh: str


class Departments(Strict):
    """Lead departments receive referrals; support ones are informational."""

    lead: list[str]
    support: list[str] = []


class CodeDef(Strict):
    """A benefit, service, referral, info or obligation code."""

    zh: str
    en: str
    category: Category
    kind: Kind
    urgent: bool = False
    departments: Departments


class Department(Strict):
    """A department that can be named as responsible."""

    zh: str
    en: str
    national: str | None = None
    signatory: bool = False
    basis: str | None = None


class Document(Strict):
    """A source a rule cites: the document itself or a national law or rule."""

    title: str
    en: str | None = None
    number: str | None = None
    date: dt.date | None = None
    effective: dt.date | None = None
    verified: bool = True


class ParameterDef(Strict):
    """A parameter a region may set (docs/contract.md §4)."""

    type: ParamType
    zh: str
    en: str
    unit: str | None = None
    default: Any = None
    overridable: bool | Literal["required"] = True
    direction: Literal["may_only_decrease", "may_only_widen"] | None = None
    bound: Literal["min", "max"] | None = None
    basis: Literal["doc", "law", "judgement"] | None = None
    citation: str | None = None
    examples: dict[str, Any] | None = None
    note: str | None = None


def validate_located(model: type[M], data: Any, file: str, loc: tuple[int | str, ...] = ()) -> M:
    """Validate `data` (from load_yaml) as `model`; errors become file:line PolicyIssues."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            where = ".".join(str(p) for p in (*loc, *err["loc"]))
            issues.append(PolicyIssue(file, line_of(data, err["loc"]), f"{where}: {err['msg']}"))
        raise PolicyError(issues) from exc


class Catalog(Strict):
    """Everything in policies/catalog/, each mapping in file order."""

    facts: dict[str, FactDef]
    classifications: dict[str, ClassificationDef]
    codes: dict[str, CodeDef]
    departments: dict[str, Department]
    documents: dict[str, Document]
    parameters: dict[str, ParameterDef]


CATALOG_FILES: dict[str, type[Strict]] = {
    "facts": FactDef,
    "classifications": ClassificationDef,
    "codes": CodeDef,
    "departments": Department,
    "documents": Document,
    "parameters": ParameterDef,
}


def load_catalog(directory: Path) -> Catalog:
    """Load and cross-check policies/catalog/*.yaml."""
    parts: dict[str, dict[str, Any]] = {}
    issues: list[PolicyIssue] = []
    for name, model in CATALOG_FILES.items():
        path = directory / f"{name}.yaml"
        file = relative(path)
        if not path.exists():
            issues.append(PolicyIssue(file, 0, "缺少目录文件 (catalog file missing)"))
            continue
        try:
            data = load_yaml(path)
            if not isinstance(data, dict):
                raise PolicyError([PolicyIssue(file, 1, "应为映射 (expected a mapping)")])
            parts[name] = {
                key: validate_located(model, value, file, (key,)) for key, value in data.items()
            }
        except PolicyError as exc:
            issues.extend(exc.issues)
    if issues:
        raise PolicyError(issues)
    catalog = Catalog.model_validate(parts)
    _cross_check(catalog, directory, issues)
    if issues:
        raise PolicyError(issues)
    return catalog


def _cross_check(catalog: Catalog, directory: Path, issues: list[PolicyIssue]) -> None:
    codes_file = relative(directory / "codes.yaml")
    for code, definition in catalog.codes.items():
        for dept in [*definition.departments.lead, *definition.departments.support]:
            if dept not in catalog.departments:
                issues.append(
                    PolicyIssue(codes_file, 0, f"{code}: 未知部门 (unknown department) {dept}")
                )
    facts_file = relative(directory / "facts.yaml")
    for fact, fdef in catalog.facts.items():
        if fdef.type in ("enum", "list") and not fdef.values:
            issues.append(PolicyIssue(facts_file, 0, f"{fact}: enum/list 事实需要 values"))
        if fdef.absent == "empty" and fdef.type != "list":
            issues.append(PolicyIssue(facts_file, 0, f"{fact}: absent: empty 只用于列表事实"))
        if fdef.absent == "false" and fdef.type != "boolean":
            issues.append(PolicyIssue(facts_file, 0, f"{fact}: absent: false 只用于布尔事实"))
