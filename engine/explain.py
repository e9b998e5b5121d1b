"""`"explain": "all"` (docs/contract.md §3a): `classification_reasons` and `not_applicable`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from engine.decision import Decision, Engine
from engine.expr import Derived, Node, Tri
from engine.kleene import Env, Gaps
from engine.reasons import UNPROVIDED, Memo, short
from engine.result import CitationOut, ClassificationReason, FactValue, Name, NotApplicable
from engine.rules import Rule
from engine.whynot import not_in_force, reach, would_apply


class Assembler(Protocol):
    """What the explanation reads of the result being assembled (engine/assemble.py)."""

    ev: Engine
    d: Decision
    day: date
    env: Env
    world_env: Env
    false_codes: list[str]

    def gaps(self, node: Node, env: Env | None = None) -> Gaps: ...

    def citations(self, rule: Rule) -> list[CitationOut]: ...


def classification_reasons(
    asm: Assembler, classifications: Mapping[str, Tri]
) -> dict[str, ClassificationReason]:
    """Every classification, its value and the facts and values that decided it."""
    ev, out = asm.ev, {}
    for name, value in classifications.items():
        rule = ev.classification_rules[name]
        if value is None:
            reasons = (
                [rule.review] if rule.review and _under_review(asm, rule.unknown_values) else []
            )
            found = asm.gaps(Derived(name))
            asked = [f for f in found.facts if f not in asm.d.facts]
            reasons += ev.explainer.missing(asked, found.params)
        else:
            reasons = ev.explainer.why(rule.when, asm.env, deep=True)
            if value is False and any(r.startswith(UNPROVIDED) for r in reasons):
                # known() is one-way: false here only because a fact was not given
                zh = short(ev.catalog.classifications[name].zh)
                reasons.insert(0, f"尚不能确定是否属于{zh}：按已提供的情况不属于，缺少的事实未计入")
        out[name] = ClassificationReason(value=value, reasons=reasons)
    return out


def _under_review(asm: Assembler, unknown_values: Mapping[str, frozenset[Any]]) -> bool:
    return any(asm.d.facts.get(fact) in values for fact, values in unknown_values.items())


def not_applicable(asm: Assembler) -> list[NotApplicable]:
    """Every code whose condition is false: why, and the single facts that would change it,
    the codes one fact away from applying first."""
    ev, env, day = asm.ev, asm.world_env, asm.day
    the_reach = reach(ev, ev.classification_rules, ev.code_rules)
    in_force = [c for c in asm.false_codes if ev.code_rules[c].in_force(day)]

    def world(facts: Mapping[str, Any]) -> Any:
        return ev.env(facts, asm.d.params, day)

    memo = Memo()
    flips = would_apply(
        ev.catalog,
        the_reach,
        ev.code_rules,
        ev.expand,
        in_force,
        asm.d.facts,
        env,
        world,
        memo.values,
    )
    out: list[NotApplicable] = []
    for code in asm.false_codes:
        rule, cdef = ev.code_rules[code], ev.catalog.codes[code]
        if rule.in_force(day):
            reasons = ev.explainer.why(rule.when, env, deep=True, memo=memo)
        else:
            reasons = [not_in_force(rule, day)]
        out.append(
            NotApplicable(
                code=code,
                name=Name(zh=cdef.zh, en=cdef.en),
                reasons=reasons,
                citations=asm.citations(rule),
                would_apply_if=[FactValue(fact=f, value=v) for f, v in flips.get(code, [])],
            )
        )
    order = {code: i for i, code in enumerate(ev.catalog.codes)}
    return sorted(out, key=lambda n: (not n.would_apply_if, order[n.code]))


def explained(asm: Assembler, classifications: Mapping[str, Tri]) -> dict[str, Any]:
    """The two fields `"explain": "all"` adds."""
    return {
        "classification_reasons": classification_reasons(asm, classifications),
        "not_applicable": not_applicable(asm),
    }
