"""Rule files (policies/rules/**/*.yaml): the model, and compiling their conditions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from engine.catalog import Catalog, Strict, validate_located
from engine.errors import PolicyError, PolicyIssue, relative
from engine.expr import ExprError, Node, Term, references
from engine.parser import parse_condition, parse_value
from engine.yamlfile import Located, LocatedList, load_yaml

Basis = Literal["doc", "law", "judgement"]


class Citation(Strict):
    """Where a rule comes from: a source document and its article or section."""

    source: str
    article: str | None = None
    section: str | None = None
    quote: str | None = None


class Effective(Strict):
    """The dates a rule is in force, both inclusive."""

    start: date = Field(alias="from")
    to: date | None = None


class Caveat(Strict):
    """A sentence added to the reasons from a date on (e.g. a programme window not verified)."""

    start: date = Field(alias="from")
    zh: str
    en: str | None = None


class RuleFile(Strict):
    """One entry of a rule file as a policy officer writes it."""

    id: str = Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
    code: str | None = None
    classification: str | None = None
    title: str
    when: str | bool
    eligible_when: str | None = None
    choose_higher_when: str | None = None
    outputs: dict[str, str] | None = None
    treat_as_unknown: dict[str, list[Any]] | None = None
    review: str | None = None
    effective: Effective | None = None
    caveats: list[Caveat] | None = None
    basis: Basis
    cite: list[Citation] = Field(min_length=1)
    notes: list[str] | None = None


@dataclass(frozen=True)
class Rule:
    """A compiled rule: conditions parsed into expression trees."""

    id: str
    file: str
    line: int
    target: str  # the code or the classification it decides
    is_code: bool
    title: str
    when: Node
    eligible_when: Node | None
    choose_higher_when: Node | None
    outputs: dict[str, Term]
    unknown_values: dict[str, frozenset[Any]]
    review: str | None
    start: date | None
    end: date | None
    basis: Basis
    cite: tuple[Citation, ...]
    caveats: tuple[Caveat, ...] = ()

    def in_force(self, day: date) -> bool:
        """Whether the rule applies on `day`."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def caveats_on(self, day: date) -> list[str]:
        """The caveat sentences in force on `day`."""
        return [c.zh for c in self.caveats if c.start <= day]


def read_rule_file(path: Path) -> list[tuple[RuleFile, int, Located]]:
    """Read one rule file: (entry, line, raw data) for every entry."""
    file = relative(path)
    data = load_yaml(path)
    if data is None:
        return []
    if not isinstance(data, LocatedList):
        raise PolicyError([PolicyIssue(file, 1, "规则文件应为列表 (a rule file is a YAML list)")])
    entries, issues = [], []
    for index, item in enumerate(data):
        line = data.item_lines[index]
        try:
            entries.append((validate_located(RuleFile, item, file), line, item))
        except PolicyError as exc:
            issues.extend(exc.issues)
    if issues:
        raise PolicyError(issues)
    return entries


def compile_rule(entry: RuleFile, file: str, line: int, raw: Located, catalog: Catalog) -> Rule:
    """Check one rule against the catalog and parse its conditions (PolicyError on failure)."""
    issues: list[PolicyIssue] = []

    def at(key: str) -> int:
        return raw.key_lines.get(key, line) if isinstance(raw, Located) else line

    if (entry.code is None) == (entry.classification is None):
        issues.append(
            PolicyIssue(file, line, f"{entry.id}: 须有且只有 code 或 classification 之一")
        )
    target = entry.code or entry.classification or ""
    if entry.code is not None and entry.code not in catalog.codes:
        issues.append(
            PolicyIssue(file, at("code"), f"{entry.id}: 未知代码 (unknown code) {entry.code}")
        )
    if entry.classification is not None:
        if entry.classification not in catalog.classifications:
            issues.append(
                PolicyIssue(
                    file, at("classification"), f"{entry.id}: 未知分类 {entry.classification}"
                )
            )
        if entry.effective is not None:
            issues.append(PolicyIssue(file, at("effective"), f"{entry.id}: 分类不设生效日期"))
    if entry.effective and entry.effective.to and entry.effective.to < entry.effective.start:
        issues.append(PolicyIssue(file, at("effective"), f"{entry.id}: to 早于 from"))
    for citation in entry.cite:
        if citation.source not in catalog.documents:
            issues.append(
                PolicyIssue(
                    file, at("cite"), f"{entry.id}: 未知来源 (unknown source) {citation.source}"
                )
            )
    if entry.eligible_when and entry.choose_higher_when:
        issues.append(
            PolicyIssue(file, line, f"{entry.id}: eligible_when 与 choose_higher_when 不能并用")
        )
    if entry.treat_as_unknown and not entry.review:
        issues.append(
            PolicyIssue(
                file, at("treat_as_unknown"), f"{entry.id}: treat_as_unknown 需要 review 说明"
            )
        )

    unknown_values: dict[str, frozenset[Any]] = {}
    for fact, values in (entry.treat_as_unknown or {}).items():
        fdef = catalog.facts.get(fact)
        if fdef is None:
            issues.append(
                PolicyIssue(file, at("treat_as_unknown"), f"{entry.id}: 未知事实 f.{fact}")
            )
            continue
        bad = [v for v in values if fdef.values is None or str(v) not in fdef.values]
        if bad:
            issues.append(
                PolicyIssue(file, at("treat_as_unknown"), f"{entry.id}: f.{fact} 没有取值 {bad}")
            )
        unknown_values[fact] = frozenset(values)

    def condition(key: str, text: str | bool | None) -> Node | None:
        if text is None:
            return None
        try:
            return parse_condition(text, catalog, unknown_values)
        except ExprError as exc:
            issues.append(PolicyIssue(file, at(key), f"{entry.id}: {key}: {exc}"))
            return None

    when = condition("when", entry.when)
    eligible = condition("eligible_when", entry.eligible_when)
    higher = condition("choose_higher_when", entry.choose_higher_when)
    outputs: dict[str, Term] = {}
    for name, text in (entry.outputs or {}).items():
        try:
            outputs[name] = parse_value(text, catalog)
        except ExprError as exc:
            issues.append(PolicyIssue(file, at("outputs"), f"{entry.id}: outputs.{name}: {exc}"))
    if when is not None and entry.classification is not None and references(when)[3]:
        issues.append(PolicyIssue(file, at("when"), f"{entry.id}: 分类条件不能引用 emitted()"))
    if issues or when is None:
        raise PolicyError(issues)
    return Rule(
        id=entry.id,
        file=file,
        line=line,
        target=target,
        is_code=entry.code is not None,
        title=entry.title,
        when=when,
        eligible_when=eligible,
        choose_higher_when=higher,
        outputs=outputs,
        unknown_values=unknown_values,
        review=entry.review,
        start=entry.effective.start if entry.effective else None,
        end=entry.effective.to if entry.effective else None,
        basis=entry.basis,
        cite=tuple(entry.cite),
        caveats=tuple(entry.caveats or ()),
    )
