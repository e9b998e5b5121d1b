"""What changed between two policy sets: rules added, removed or changed, parameter values
by region and date. `diff_policies(a, b)` gives the data, `PolicyDiff.lines_zh()` the text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.parameters import Entry
from engine.policy import Policy
from engine.rules import Rule
from engine.sentences import describe, number


@dataclass(frozen=True)
class RuleChange:
    """A rule present in both sets whose content differs; `changes` names what differs."""

    id: str
    target: str
    title: str
    changes: tuple[str, ...]
    before: tuple[str, ...]  # the condition as sentences, before and after
    after: tuple[str, ...]


@dataclass(frozen=True)
class ValueChange:
    """A parameter's dated entries in one region, before and after."""

    region: str
    parameter: str
    zh: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class PolicyDiff:
    """Two sets compared."""

    a: str
    b: str
    added: tuple[Rule, ...] = ()
    added_conditions: tuple[tuple[str, ...], ...] = ()
    removed: tuple[Rule, ...] = ()
    changed: tuple[RuleChange, ...] = ()
    parameters: tuple[ValueChange, ...] = ()
    files: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing that evaluates differently changed."""
        return not (self.added or self.removed or self.changed or self.parameters)

    def lines_zh(self) -> list[str]:
        """The diff as Chinese lines, for the terminal and the page."""
        out = [f"政策版本 {self.a[:19]} → {self.b[:19]}"]
        if self.empty:
            return [*out, "规则与参数没有变化。"]
        for rule, condition in zip(self.added, self.added_conditions, strict=True):
            out.append(f"新增规则 {rule.id}（{rule.target}）：{rule.title}")
            out += [f"    条件：{s}" for s in condition]
        for rule in self.removed:
            out.append(f"删除规则 {rule.id}（{rule.target}）：{rule.title}")
        for change in self.changed:
            out.append(f"修改规则 {change.id}（{change.target}）：{'、'.join(change.changes)}")
            if change.before != change.after:
                out += [f"    原条件：{s}" for s in change.before]
                out += [f"    新条件：{s}" for s in change.after]
        for value in self.parameters:
            out.append(f"参数 {value.zh}（{value.parameter}），地区 {value.region}：")
            out += [f"    原：{s}" for s in value.before or ("（无）",)]
            out += [f"    新：{s}" for s in value.after or ("（无）",)]
        return out

    def as_json(self) -> dict[str, Any]:
        """The diff as JSON (rule ids, condition sentences, entries as text)."""
        return {
            "a": self.a,
            "b": self.b,
            "rules_added": [{"id": r.id, "target": r.target, "title": r.title} for r in self.added],
            "rules_removed": [
                {"id": r.id, "target": r.target, "title": r.title} for r in self.removed
            ],
            "rules_changed": [
                {
                    "id": c.id,
                    "target": c.target,
                    "title": c.title,
                    "changes": list(c.changes),
                    "before": list(c.before),
                    "after": list(c.after),
                }
                for c in self.changed
            ],
            "parameters": [
                {
                    "region": v.region,
                    "parameter": v.parameter,
                    "zh": v.zh,
                    "before": list(v.before),
                    "after": list(v.after),
                }
                for v in self.parameters
            ],
            "files": self.files,
            "lines": self.lines_zh(),
        }


_ASPECTS = {
    "when": "条件",
    "eligible_when": "符合条件的判断",
    "choose_higher_when": "择高判断",
    "outputs": "输出",
    "unknown_values": "视为未知的取值",
    "review": "人工复核",
    "start": "生效日期",
    "end": "失效日期",
    "basis": "依据类型",
    "cite": "引用",
    "title": "标题",
    "target": "决定的对象",
}


def diff_policies(a: Policy, b: Policy) -> PolicyDiff:
    """Every rule and parameter value that differs between `a` and `b`."""
    rules_a = {r.id: r for r in a.rules}
    rules_b = {r.id: r for r in b.rules}
    changed = []
    for rid in rules_a.keys() & rules_b.keys():
        ra, rb = rules_a[rid], rules_b[rid]
        aspects = tuple(z for key, z in _ASPECTS.items() if getattr(ra, key) != getattr(rb, key))
        if aspects:
            changed.append(
                RuleChange(
                    rid,
                    rb.target,
                    rb.title,
                    aspects,
                    tuple(describe(ra.when, a.catalog)),
                    tuple(describe(rb.when, b.catalog)),
                )
            )
    order = {r.id: i for i, r in enumerate(b.rules)}
    changed.sort(key=lambda c: order[c.id])
    added = tuple(r for r in b.rules if r.id not in rules_a)
    return PolicyDiff(
        a=a.version,
        b=b.version,
        added=added,
        added_conditions=tuple(tuple(describe(r.when, b.catalog)) for r in added),
        removed=tuple(r for r in a.rules if r.id not in rules_b),
        changed=tuple(changed),
        parameters=tuple(_parameter_changes(a, b)),
        files=_file_changes(a, b),
    )


def _entry(e: Entry) -> str:
    span = f"{e.start.isoformat()} 起" + (f"至 {e.to.isoformat()}" if e.to else "")
    source = f"（{e.source}）" if e.source else ""
    value = number(e.value) if not isinstance(e.value, list) else "、".join(map(str, e.value))
    return f"{span}：{value}{source}"


def _parameter_changes(a: Policy, b: Policy) -> list[ValueChange]:
    out = []
    regions = list(dict.fromkeys([*a.parameters.by_region, *b.parameters.by_region]))
    for region in regions:
        pa = a.parameters.by_region.get(region, {})
        pb = b.parameters.by_region.get(region, {})
        for name in dict.fromkeys([*pa, *pb]):
            before = tuple(_entry(e) for e in sorted(pa.get(name, []), key=lambda e: e.start))
            after = tuple(_entry(e) for e in sorted(pb.get(name, []), key=lambda e: e.start))
            if before != after:
                pdef = b.catalog.parameters.get(name) or a.catalog.parameters[name]
                out.append(ValueChange(region, name, pdef.zh, before, after))
    return out


def _file_changes(a: Policy, b: Policy) -> dict[str, list[str]]:
    fa = {(s.folder, s.path): s.data for s in a.sources}
    fb = {(s.folder, s.path): s.data for s in b.sources}
    return {
        "added": sorted(path for _, path in fb.keys() - fa.keys()),
        "removed": sorted(path for _, path in fa.keys() - fb.keys()),
        "changed": sorted(
            path for key in fa.keys() & fb.keys() if fa[key] != fb[key] for _, path in [key]
        ),
    }
