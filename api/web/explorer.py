"""The policy explorer's data: every classification and code of a set, grouped by the rule
file (the document's sections and the laws), with its condition as Chinese sentences, the
parameters it reads along a region's chain, citations, dates, notes and covering scenarios."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from engine import Policy
from engine.expr import references
from engine.parameters import region_chain
from engine.rules import Rule
from engine.sentences import describe, number

FEATURES = Path(__file__).resolve().parents[2] / "features"
_SCENARIO = re.compile(r"^\s*(场景大纲|场景|Scenario Outline|Scenario)\s*[:：]\s*(.*)$")
_FEATURE = re.compile(r"^\s*(功能|Feature)\s*[:：]\s*(.*)$")

KINDS = {
    "benefit": "待遇",
    "service": "服务",
    "referral": "转介",
    "info": "告知",
    "obligation": "部门职责",
}
BASIS = {"doc": "方案原文", "law": "法律法规", "judgement": "政策判断"}


@dataclass(frozen=True)
class Scenario:
    """A Gherkin scenario and its text."""

    feature: str
    title: str
    text: str


@dataclass
class Entry:
    """One classification or code as the explorer shows it."""

    target: str
    zh: str
    kind: str  # 分类 or the code's kind in Chinese
    rule: Rule
    departments: list[str]
    support: list[str]
    condition: list[str]
    eligible: list[str]
    parameters: list[dict[str, Any]]
    citations: list[dict[str, str | None]]
    notes: list[str]
    scenarios: list[Scenario] = field(default_factory=list)


@dataclass
class Group:
    """The entries of one rule file: a section of the document or one law."""

    file: str
    title: str
    entries: list[Entry] = field(default_factory=list)


def scenarios() -> list[Scenario]:
    """Every scenario of features/, with its text."""
    out: list[Scenario] = []
    for path in sorted(FEATURES.glob("*.feature")):
        feature, current, lines = path.stem, None, []
        for line in path.read_text(encoding="utf-8").splitlines():
            if (m := _FEATURE.match(line)) is not None:
                feature = m.group(2).strip() or feature
            if (m := _SCENARIO.match(line)) is not None:
                if current is not None:
                    out.append(Scenario(feature, current, "\n".join(lines).strip()))
                current, lines = m.group(2).strip(), [line.strip()]
            elif current is not None:
                lines.append(line.rstrip())
        if current is not None:
            out.append(Scenario(feature, current, "\n".join(lines).strip()))
    return out


def _notes(policy: Policy) -> dict[str, list[str]]:
    """Each rule's judgement notes, read from the set's own rule files."""
    notes: dict[str, list[str]] = {}
    for source in policy.sources:
        if source.folder != 0 or not source.path.startswith("rules/"):
            continue
        for item in yaml.safe_load(source.data) or []:
            if isinstance(item, dict) and item.get("notes"):
                notes[str(item["id"])] = [str(n) for n in item["notes"]]
    return notes


def _titles(policy: Policy) -> dict[str, str]:
    """Each rule file's heading: its first comment line."""
    titles = {}
    for source in policy.sources:
        if source.folder == 0 and source.path.startswith("rules/"):
            first = source.data.decode("utf-8").splitlines()[:1]
            titles[source.path] = first[0].lstrip("# ").strip() if first else source.path
    return titles


def _parameters(rule: Rule, policy: Policy, chain: list[str], day: date) -> list[dict[str, Any]]:
    names: set[str] = set()
    for node in (rule.when, rule.eligible_when, rule.choose_higher_when, *rule.outputs.values()):
        if node is not None:
            names |= references(node)[1]
    out = []
    for name in (n for n in policy.catalog.parameters if n in names):
        pdef = policy.catalog.parameters[name]
        levels = []
        for region in chain:
            entries = policy.parameters.by_region.get(region, {}).get(name, [])
            levels.append(
                {
                    "region": region,
                    "entries": [
                        {
                            "from": e.start.isoformat(),
                            "to": e.to.isoformat() if e.to else None,
                            "value": number(e.value),
                            "source": e.source,
                        }
                        for e in sorted(entries, key=lambda e: e.start)
                    ],
                }
            )
        value = policy.parameters.resolve(name, chain, day)
        out.append(
            {
                "name": name,
                "zh": pdef.zh,
                "unit": pdef.unit,
                "default": None if pdef.default is None else number(pdef.default),
                "in_force": None if value is None else number(value),
                "levels": levels,
            }
        )
    return out


def _covering(zh: str, target: str, all_scenarios: list[Scenario]) -> list[Scenario]:
    quoted = f"“{zh}”", f'"{zh}"', target
    return [s for s in all_scenarios if any(q in s.text for q in quoted)]


def explore(policy: Policy, region: str | None, day: date) -> list[Group]:
    """Every classification and code, grouped by rule file, in the files' order."""
    catalog = policy.catalog
    chain = region_chain(region)
    notes, titles, found = _notes(policy), _titles(policy), scenarios()
    groups: dict[str, Group] = {}
    for rule in policy.rules:
        path = rule.file.split("rules/", 1)[-1]
        key = f"rules/{path}"
        group = groups.setdefault(key, Group(key, titles.get(key, key)))
        if rule.is_code:
            cdef = catalog.codes[rule.target]
            zh, kind = cdef.zh, KINDS.get(cdef.kind, cdef.kind)
            lead = [catalog.departments[d].zh for d in cdef.departments.lead]
            support = [catalog.departments[d].zh for d in cdef.departments.support]
        else:
            zh, kind, lead, support = catalog.classifications[rule.target].zh, "分类", [], []
        group.entries.append(
            Entry(
                target=rule.target,
                zh=zh,
                kind=kind,
                rule=rule,
                departments=lead,
                support=support,
                condition=describe(rule.when, catalog),
                eligible=describe(rule.eligible_when, catalog) if rule.eligible_when else [],
                parameters=_parameters(rule, policy, chain, day),
                citations=[
                    {
                        "document": catalog.documents[c.source].title,
                        "number": catalog.documents[c.source].number,
                        "article": c.article,
                        "section": c.section,
                        "quote": c.quote,
                    }
                    for c in rule.cite
                ],
                notes=notes.get(rule.id, []),
                scenarios=_covering(zh, rule.target, found),
            )
        )
    # the document's own sections first (in its order), then the laws it leans on
    return sorted(groups.values(), key=lambda g: ("/laws/" in g.file, g.file))
