"""The three-valued evaluator compiled: each condition tree turned once into nested closures
with exactly the semantics of `engine.kleene.evaluate` (which still explains reasons and
gaps), so the evaluator's side of the agreement check walks no tree per profile."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from engine.expr import (
    And,
    Compare,
    Const,
    Derived,
    Emitted,
    Fact,
    Has,
    Known,
    Node,
    Not,
    Or,
    Param,
    Term,
    Tri,
)
from engine.kleene import Env

Compiled = Callable[[Env], Tri]
_Value = Callable[[Env], Any]
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _value(t: Term) -> _Value:
    """`kleene.term_value` for one term."""
    if isinstance(t, Const):
        constant = t.value
        return lambda env: constant
    if isinstance(t, Fact):
        name, unknown = t.name, t.unknown_values
        if unknown:

            def fact(env: Env) -> Any:
                value = env.facts.get(name)
                return None if value is not None and value in unknown else value

            return fact
        return lambda env: env.facts.get(name)
    if isinstance(t, Param):
        pname = t.name
        return lambda env: env.params.get(pname)
    left, right = _value(t.left), _value(t.right)

    def mul(env: Env) -> Any:
        a, b = left(env), right(env)
        return None if a is None or b is None else a * b

    return mul


def compile_node(node: Node) -> Compiled:
    """A closure computing `kleene.evaluate(node, env)`."""
    if isinstance(node, Const):
        truth = bool(node.value)
        return lambda env: truth
    if isinstance(node, Fact | Param):
        get = _value(node)

        def boolean(env: Env) -> Tri:
            value = get(env)
            return None if value is None else bool(value)

        return boolean
    if isinstance(node, Derived):
        dname = node.name
        return lambda env: env.derived(dname)
    if isinstance(node, Emitted):
        code = node.code
        return lambda env: env.emitted(code)
    if isinstance(node, Known):
        known = _value(node.fact)
        return lambda env: known(env) is not None
    if isinstance(node, Has):
        lname, item = node.fact.name, node.value

        def has(env: Env) -> Tri:
            values = env.facts.get(lname)
            return None if values is None else item in values

        return has
    if isinstance(node, Not):
        inner = compile_node(node.operand)

        def negate(env: Env) -> Tri:
            value = inner(env)
            return None if value is None else not value

        return negate
    if isinstance(node, And | Or):
        parts = [compile_node(o) for o in node.operands]
        stop = isinstance(node, Or)  # the value that decides: True for OR, False for AND

        def combine(env: Env) -> Tri:
            result: Tri = not stop
            for part in parts:
                value = part(env)
                if value is stop:
                    return stop
                if value is None:
                    result = None
            return result

        return combine
    if isinstance(node, Compare):
        left, right, op = _value(node.left), _value(node.right), _OPS[node.op]

        def compare(env: Env) -> Tri:
            a, b = left(env), right(env)
            return None if a is None or b is None else bool(op(a, b))

        return compare
    member, values = _value(node.fact), node.values

    def within(env: Env) -> Tri:
        value = member(env)
        return None if value is None else value in values

    return within
