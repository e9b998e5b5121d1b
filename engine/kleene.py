"""Three-valued (Kleene) evaluation of condition trees, and what leaves a condition unknown.

An unknown fact or parameter is `None`; `false and unknown` is false, `true or unknown` is
true, a comparison with an unknown side is unknown (docs/contract.md §2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.expr import (
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
    Tri,
)


@dataclass
class Env:
    """What a condition is evaluated against: facts, parameters and named sub-conditions.

    `derived` and `emitted` look up the value of a classification or code condition; the
    evaluator supplies them (memoised, and overridable for the two-world check, contract §2).
    """

    facts: Mapping[str, Any]
    params: Mapping[str, Any]
    derived: Callable[[str], Tri]
    emitted: Callable[[str], Tri]


def fact_value(fact: Fact, env: Env) -> Any:
    """A fact's value, or None when unknown (absent, or a value this rule treats as unknown)."""
    value = env.facts.get(fact.name)
    if value is not None and fact.unknown_values and value in fact.unknown_values:
        return None
    return value


def term_value(t: Term, env: Env) -> Any:
    """The value of a term, or None when unknown."""
    if isinstance(t, Const):
        return t.value
    if isinstance(t, Fact):
        return fact_value(t, env)
    if isinstance(t, Param):
        return env.params.get(t.name)
    left, right = term_value(t.left, env), term_value(t.right, env)
    return None if left is None or right is None else left * right


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def evaluate(node: Node, env: Env) -> Tri:
    """Kleene value of a condition."""
    if isinstance(node, Const):
        return bool(node.value)
    if isinstance(node, Fact | Param):
        value = term_value(node, env)
        return None if value is None else bool(value)
    if isinstance(node, Derived):
        return env.derived(node.name)
    if isinstance(node, Emitted):
        return env.emitted(node.code)
    if isinstance(node, Known):
        return fact_value(node.fact, env) is not None
    if isinstance(node, Has):
        values = env.facts.get(node.fact.name)
        return None if values is None else node.value in values
    if isinstance(node, Not):
        inner = evaluate(node.operand, env)
        return None if inner is None else not inner
    if isinstance(node, And):
        result: Tri = True
        for operand in node.operands:
            value = evaluate(operand, env)
            if value is False:
                return False
            if value is None:
                result = None
        return result
    if isinstance(node, Or):
        result = False
        for operand in node.operands:
            value = evaluate(operand, env)
            if value is True:
                return True
            if value is None:
                result = None
        return result
    if isinstance(node, Compare):
        left, right = term_value(node.left, env), term_value(node.right, env)
        return None if left is None or right is None else _compare(node.op, left, right)
    value = fact_value(node.fact, env)
    return None if value is None else value in node.values


@dataclass
class Gaps:
    """Why a condition is unknown: the facts and parameters whose absence leaves it open."""

    facts: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)

    def add_fact(self, name: str) -> None:
        if name not in self.facts:
            self.facts.append(name)

    def add_param(self, name: str) -> None:
        if name not in self.params:
            self.params.append(name)


def gaps(
    node: Node | Term,
    env: Env,
    expand: Callable[[str, str], Node | None],
    into: Gaps | None = None,
) -> Gaps:
    """The unknown facts and parameters that leave `node` unknown (empty if it is known).

    `expand(kind, name)` returns the condition behind a classification (`"d"`) or code
    (`"c"`), so gaps are traced through them to the facts a caseworker can ask about.
    """
    out = into if into is not None else Gaps()
    if isinstance(node, Const):
        return out
    if isinstance(node, Fact):
        if fact_value(node, env) is None:
            out.add_fact(node.name)
        return out
    if isinstance(node, Param):
        if env.params.get(node.name) is None:
            out.add_param(node.name)
        return out
    if isinstance(node, Mul):
        gaps(node.left, env, expand, out)
        gaps(node.right, env, expand, out)
        return out
    if evaluate(node, env) is not None:
        return out
    if isinstance(node, Derived | Emitted):
        inner = expand("d", node.name) if isinstance(node, Derived) else expand("c", node.code)
        if inner is not None:
            gaps(inner, env, expand, out)
    elif isinstance(node, Known | Has | In):
        out.add_fact(node.fact.name)
    elif isinstance(node, Not):
        gaps(node.operand, env, expand, out)
    elif isinstance(node, And | Or):
        for operand in node.operands:
            gaps(operand, env, expand, out)
    else:  # Compare
        gaps(node.left, env, expand, out)
        gaps(node.right, env, expand, out)
    return out
