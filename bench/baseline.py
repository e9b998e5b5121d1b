"""A plain-Python baseline: the same compiled conditions as closures, no engine at all.

This is the floor any rules engine must pay: Kleene evaluation of every classification and
code condition of the loaded policy, with facts and parameters already in dictionaries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from engine.expr import (
    And,
    Const,
    Derived,
    Emitted,
    Fact,
    Has,
    In,
    Known,
    Node,
    Not,
    Or,
    Param,
    Term,
)
from engine.policy import Policy

Fn = Callable[[Mapping[str, Any], Mapping[str, Any], dict[str, bool | None]], bool | None]
ValueFn = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _value(t: Term) -> ValueFn:
    if isinstance(t, Const):
        v = t.value
        return lambda f, p: v
    if isinstance(t, Fact):
        name, unknown = t.name, t.unknown_values
        if unknown:
            return lambda f, p: None if f.get(name) in unknown else f.get(name)
        return lambda f, p: f.get(name)
    if isinstance(t, Param):
        pname = t.name
        return lambda f, p: p.get(pname)
    left, right = _value(t.left), _value(t.right)

    def mul(f: Mapping[str, Any], p: Mapping[str, Any]) -> Any:
        a, b = left(f, p), right(f, p)
        return None if a is None or b is None else a * b

    return mul


def compile_node(node: Node) -> Fn:
    """A closure computing the Kleene value of `node`; `d` holds decided classifications."""
    if isinstance(node, Const):
        v = bool(node.value)
        return lambda f, p, d: v
    if isinstance(node, Fact | Param):
        get = _value(node)

        def truth(
            f: Mapping[str, Any], p: Mapping[str, Any], d: dict[str, bool | None]
        ) -> bool | None:
            value = get(f, p)
            return None if value is None else bool(value)

        return truth
    if isinstance(node, Derived | Emitted):
        key = node.name if isinstance(node, Derived) else "code:" + node.code
        return lambda f, p, d: d.get(key)
    if isinstance(node, Known):
        name, unknown = node.fact.name, node.fact.unknown_values
        return lambda f, p, d: f.get(name) is not None and f.get(name) not in unknown
    if isinstance(node, Has):
        name, value = node.fact.name, node.value

        def has(
            f: Mapping[str, Any], p: Mapping[str, Any], d: dict[str, bool | None]
        ) -> bool | None:
            items = f.get(name)
            return None if items is None else value in items

        return has
    if isinstance(node, Not):
        inner = compile_node(node.operand)

        def negate(
            f: Mapping[str, Any], p: Mapping[str, Any], d: dict[str, bool | None]
        ) -> bool | None:
            v = inner(f, p, d)
            return None if v is None else not v

        return negate
    if isinstance(node, And | Or):
        parts = [compile_node(o) for o in node.operands]
        stop = isinstance(node, Or)

        def combine(
            f: Mapping[str, Any], p: Mapping[str, Any], d: dict[str, bool | None]
        ) -> bool | None:
            result: bool | None = not stop
            for part in parts:
                v = part(f, p, d)
                if v is stop:
                    return stop
                if v is None:
                    result = None
            return result

        return combine
    if isinstance(node, In):
        get, values = _value(node.fact), node.values

        def member(
            f: Mapping[str, Any], p: Mapping[str, Any], d: dict[str, bool | None]
        ) -> bool | None:
            v = get(f, p)
            return None if v is None else v in values

        return member
    left, right, op = _value(node.left), _value(node.right), _CMP[node.op]

    def compare(
        f: Mapping[str, Any], p: Mapping[str, Any], d: dict[str, bool | None]
    ) -> bool | None:
        a, b = left(f, p), right(f, p)
        return None if a is None or b is None else op(a, b)

    return compare


class Baseline:
    """Every classification and code of a policy as plain closures, in dependency order."""

    def __init__(self, policy: Policy) -> None:
        self.classifications = [
            (name, compile_node(rule.when)) for name, rule in policy.classification_rules.items()
        ]
        self.codes = [
            (code, rule.start, rule.end, compile_node(rule.when))
            for code, rule in policy.code_rules.items()
        ]

    def decide(
        self, facts: Mapping[str, Any], params: Mapping[str, Any], day: date
    ) -> dict[str, Any]:
        """Kleene values of every classification and code."""
        decided: dict[str, bool | None] = {}
        for _ in range(2):  # classifications that read classifications settle on the 2nd pass
            for name, fn in self.classifications:
                decided[name] = fn(facts, params, decided)
        for code, start, end, fn in self.codes:
            in_force = (start is None or start <= day) and (end is None or day <= end)
            decided["code:" + code] = fn(facts, params, decided) if in_force else False
        for code, _start, _end, fn in self.codes:  # codes reading emitted() codes
            if decided["code:" + code] is not False:
                decided["code:" + code] = fn(facts, params, decided)
        return decided
