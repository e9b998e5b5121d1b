"""A condition as Chinese sentences, in the vocabulary of the reasons (engine/reasons.py).

`describe(node, catalog)` gives one line per clause of a top-level AND, with nested ANDs and
ORs spelled out as “以下全部/任一成立”. It reads no profile: it says what the rule asks.
"""

from __future__ import annotations

from typing import Any

from engine.catalog import Catalog
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
)

_WORDS = {"==": "等于", "!=": "不等于", "<": "低于", "<=": "不高于", ">": "高于", ">=": "不低于"}


def describe(node: Node, catalog: Catalog) -> list[str]:
    """The condition as sentences: the clauses of a top-level AND, each on its own line."""
    if isinstance(node, And):
        return [sentence(operand, catalog) for operand in node.operands]
    return [sentence(node, catalog)]


def sentence(node: Node, catalog: Catalog, negated: bool = False) -> str:
    """One clause as a sentence (`negated`: what holds when it does not)."""
    c = catalog
    if isinstance(node, Not):
        return sentence(node.operand, c, not negated)
    if isinstance(node, And | Or):
        every = isinstance(node, And) != negated
        parts = "；".join(sentence(o, c, negated) for o in node.operands)
        return f"（{'以下全部成立' if every else '以下任一成立'}：{parts}）"
    if isinstance(node, Fact):
        return f"{c.facts[node.name].zh}：{'否' if negated else '是'}"
    if isinstance(node, Param):
        return f"地区参数“{c.parameters[node.name].zh}”：{'否' if negated else '是'}"
    if isinstance(node, Derived):
        cls = c.classifications[node.name]
        return cls.false_zh if negated else cls.true_zh
    if isinstance(node, Emitted):
        code = c.codes[node.code].zh
        return f"不符合“{code}”的条件" if negated else f"符合“{code}”的条件"
    if isinstance(node, Known):
        zh = c.facts[node.fact.name].zh
        return f"未提供“{zh}”" if negated else f"已提供“{zh}”"
    if isinstance(node, Has):
        fdef = c.facts[node.fact.name]
        return f"{fdef.zh}{'不包括' if negated else '包括'}“{fdef.value_label(node.value)}”"
    if isinstance(node, In):
        fdef = c.facts[node.fact.name]
        options = "或".join(fdef.value_label(v) for v in node.values)
        return f"{fdef.zh}{'不属于' if negated else '属于'}{options}"
    if isinstance(node, Compare):
        return _compare(node, c, negated)
    if isinstance(node, Const):
        return "始终成立" if bool(node.value) != negated else "始终不成立"
    return str(node)  # pragma: no cover - every Node kind is handled above


def _compare(node: Compare, catalog: Catalog, negated: bool) -> str:
    op = NEGATED[node.op] if negated else node.op
    left, right = node.left, node.right
    if isinstance(left, Fact) and isinstance(right, Const):
        fdef = catalog.facts[left.name]
        if isinstance(right.value, bool):
            truth = right.value == (op == "==")
            return f"{fdef.zh}：{'是' if truth else '否'}"
        return f"{fdef.zh}{_WORDS[op]}{fdef.value_label(right.value)}"
    return f"{term(left, catalog)}{_WORDS[op]}{term(right, catalog)}"


def term(t: Term, catalog: Catalog) -> str:
    """A value in a comparison: a fact's or parameter's name, a product, a number."""
    if isinstance(t, Fact):
        return catalog.facts[t.name].zh
    if isinstance(t, Param):
        return catalog.parameters[t.name].zh
    if isinstance(t, Mul):
        return f"{term(t.left, catalog)}×{term(t.right, catalog)}"
    return number(t.value)


def number(value: Any) -> str:
    """A constant as shown to people (1.0 → 1, True → 是)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return str(value)
