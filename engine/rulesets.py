"""Conditions into disjunctive normal form over the asserted fact's fields: TRUE and FALSE
terms per condition, stratified (engine/network.py packs them into durable_rules rulesets;
see engine/durable.py for why)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from engine.errors import RulesRuntimeError
from engine.expr import (
    NEGATED,
    And,
    Compare,
    Const,
    Derived,
    Emitted,
    Fact,
    Has,
    In,
    Known,
    Mul,
    Node,
    Not,
    Or,
    Param,
    Term,
    references,
)
from engine.rules import Rule

Atom = str  # one test, as canonical JSON
Dnf = tuple[tuple[Atom, ...], ...]  # OR of ANDs; () is never, ((),) is always
ALWAYS: Dnf = ((),)
NEVER: Dnf = ()
_OP_KEYS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def day_number(day: date) -> int:
    """A date as the integer durable_rules compares (20250327)."""
    return day.year * 10000 + day.month * 100 + day.day


class DecisionKind(StrEnum):
    """What a compiled decision decides; the letter starts its durable_rules rule names."""

    CLASSIFICATION = "D"  # a derived classification (d.<name>)
    CODE = "C"  # a code's condition (emitted(<CODE>))
    ELIGIBLE = "E"  # a code's eligible_when status rule
    CHOOSE_HIGHER = "H"  # a code's choose_higher_when


def rule_name(kind: str, target: str, truth: bool) -> str:
    """Name of a decision's TRUE or FALSE rule: `<kind>:<target>:T|F` (kind: DecisionKind)."""
    return f"{kind}:{target}:{'T' if truth else 'F'}"


def _atom(cond: dict[str, Any]) -> Dnf:
    return ((json.dumps(cond, sort_keys=True, ensure_ascii=False),),)


def _and(parts: Iterable[Dnf]) -> Dnf:
    result: Dnf = ALWAYS
    for part in parts:
        result = tuple(tuple(sorted(set(a) | set(b))) for a in result for b in part)
        result = _absorb(result)
        if not result:
            return NEVER
    return result


def _or(parts: Iterable[Dnf]) -> Dnf:
    return _absorb(tuple(term for part in parts for term in part))


def _absorb(dnf: Dnf) -> Dnf:
    """Drop duplicate terms and terms implied by a shorter one (A or (A and B) = A)."""
    kept: list[tuple[Atom, ...]] = []
    for term in sorted(set(dnf), key=lambda t: (len(t), t)):
        if not any(set(k) <= set(term) for k in kept):
            kept.append(term)
    return tuple(kept)


class Compiler:
    """Turns expression trees into DNF over the asserted fact's fields."""

    def __init__(self) -> None:
        self._memo: dict[tuple[Node, bool], Dnf] = {}

    def cond(self, node: Node, truth: bool) -> Dnf:
        """The terms under which `node` is TRUE (truth=True) or FALSE (truth=False)."""
        key = (node, truth)
        if key not in self._memo:
            self._memo[key] = self._cond(node, truth)
        return self._memo[key]

    def gated(self, rule: Rule, truth: bool) -> Dnf:
        """A code's condition gated by the dates its rule is in force."""
        day = "c.day"
        if truth:
            return _and(
                [
                    _atom({"$gte": {day: day_number(rule.start)}}) if rule.start else ALWAYS,
                    _atom({"$lte": {day: day_number(rule.end)}}) if rule.end else ALWAYS,
                    self.cond(rule.when, True),
                ]
            )
        return _or(
            [
                _atom({"$lt": {day: day_number(rule.start)}}) if rule.start else NEVER,
                _atom({"$gt": {day: day_number(rule.end)}}) if rule.end else NEVER,
                self.cond(rule.when, False),
            ]
        )

    def _cond(self, node: Node, truth: bool) -> Dnf:
        if isinstance(node, Const):
            return ALWAYS if bool(node.value) == truth else NEVER
        if isinstance(node, Fact | Param):
            return _and([*_unknown_guards(node), _atom({_field(node): truth})])
        if isinstance(node, Derived):
            return _atom({f"d.{node.name}": truth})
        if isinstance(node, Emitted):
            return _atom({f"e.{node.code}": truth})
        if isinstance(node, Known):
            name = _field(node.fact)
            if truth:
                return _and([_atom({"$ex": {name: 1}}), *_unknown_guards(node.fact)])
            return _or(
                [
                    _atom({"$nex": {name: 1}}),
                    *(_atom({name: v}) for v in sorted(node.fact.unknown_values)),
                ]
            )
        if isinstance(node, Has):
            return _atom({f"l.{node.fact.name}.{node.value}": truth})
        if isinstance(node, Not):
            return self.cond(node.operand, not truth)
        if isinstance(node, And | Or):
            parts = [self.cond(o, truth) for o in node.operands]
            return _and(parts) if isinstance(node, And) == truth else _or(parts)
        if isinstance(node, In):
            name = _field(node.fact)
            unknown = node.fact.unknown_values
            if truth:
                return _or([_atom({name: v}) for v in node.values if v not in unknown])
            excluded = [*node.values, *sorted(v for v in unknown if v not in node.values)]
            return _and(
                [_atom({"$ex": {name: 1}}), *(_atom({"$neq": {name: v}}) for v in excluded)]
            )
        return self._compare(node, truth)

    def _compare(self, node: Compare, truth: bool) -> Dnf:
        op, left, right = node.op, node.left, node.right
        if not isinstance(left, Fact | Param):
            if not isinstance(right, Fact | Param):
                raise RulesRuntimeError(
                    f"cannot compile {node}: no fact or parameter on either side"
                )
            left, right, op = right, left, _FLIP[op]
        if not truth:
            op = NEGATED[op]
        guards = [*_unknown_guards(left)]
        for ref in _refs(right):
            guards.append(_atom({"$ex": {_field(ref): 1}}))  # an absent $m reference compares true
            guards.extend(_unknown_guards(ref))
        rhs = _rhs(right)
        test = {_field(left): rhs} if op == "==" else {_OP_KEYS[op]: {_field(left): rhs}}
        return _and([*guards, _atom(test)])


def _unknown_guards(node: Fact | Param) -> list[Dnf]:
    if isinstance(node, Param) or not node.unknown_values:
        return []
    return [_atom({"$neq": {_field(node): v}}) for v in sorted(node.unknown_values)]


def _field(node: Fact | Param) -> str:
    return f"f.{node.name}" if isinstance(node, Fact) else f"p.{node.name}"


def _refs(term: Term) -> list[Fact | Param]:
    if isinstance(term, Fact | Param):
        return [term]
    if isinstance(term, Mul):
        return [*_refs(term.left), *_refs(term.right)]
    return []


def _rhs(term: Term) -> Any:
    if isinstance(term, Const):
        return term.value
    if isinstance(term, Fact | Param):
        return {"$m": _field(term)}
    return {"$mul": {"$l": _rhs(term.left), "$r": _rhs(term.right)}}


# ---------------------------------------------------------------------------
# Strata and rulesets
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CompiledDecision:
    """One decided thing: (kind, target) with its TRUE and FALSE terms, in DNF."""

    kind: DecisionKind
    target: str
    true: Dnf
    false: Dnf
    stratum: int


def plan(
    classification_rules: Mapping[str, Rule], code_rules: Mapping[str, Rule]
) -> list[CompiledDecision]:
    """Every decision with its DNF and stratum (after everything it tests)."""
    compiler = Compiler()
    stratum: dict[str, int] = {}

    def depth(key: str, nodes: list[Node]) -> int:
        if key not in stratum:
            deps = [0]
            for node in nodes:
                _, _, derived, codes = references(node)
                deps += [depth(f"D:{d}", [classification_rules[d].when]) + 1 for d in derived]
                deps += [depth(f"C:{c}", [code_rules[c].when]) + 1 for c in codes]
            stratum[key] = max(deps)
        return stratum[key]

    out: list[CompiledDecision] = []
    for name, rule in classification_rules.items():
        out.append(
            CompiledDecision(
                DecisionKind.CLASSIFICATION,
                name,
                compiler.cond(rule.when, True),
                compiler.cond(rule.when, False),
                depth(f"D:{name}", [rule.when]),
            )
        )
    for code, rule in code_rules.items():
        level = depth(f"C:{code}", [rule.when])
        out.append(
            CompiledDecision(
                DecisionKind.CODE,
                code,
                compiler.gated(rule, True),
                compiler.gated(rule, False),
                level,
            )
        )
        for kind, node in (
            (DecisionKind.ELIGIBLE, rule.eligible_when),
            (DecisionKind.CHOOSE_HIGHER, rule.choose_higher_when),
        ):
            if node is not None:
                out.append(
                    CompiledDecision(
                        kind,
                        code,
                        compiler.cond(node, True),
                        compiler.cond(node, False),
                        depth(f"{kind}:{code}", [node]),
                    )
                )
    return out
