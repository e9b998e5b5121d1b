"""Condition expressions: the small tree every condition becomes, and what it names.

A condition is written in the catalogue's notation (`f.x`, `d.x`, `p.x`, `emitted(CODE)`,
`and`/`or`/`not`, comparisons, `in [...]`, `has(f.list, v)`, `known(f.x)`, `*`);
engine/parser.py parses it into the tree below, which rulesets.py and durable.py compile
for durable_rules and kleene.py evaluates in three-valued logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Tri = bool | None  # True, False, or None for unknown


class ExprError(ValueError):
    """A condition that does not parse or does not type-check."""


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(frozen=True)
class Fact:
    name: str
    unknown_values: frozenset[Any] = frozenset()


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class Derived:
    name: str


@dataclass(frozen=True)
class Emitted:
    code: str


@dataclass(frozen=True)
class Known:
    fact: Fact


@dataclass(frozen=True)
class Has:
    fact: Fact
    value: str


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >=
    left: Term
    right: Term


@dataclass(frozen=True)
class In:
    fact: Fact
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Mul:
    left: Term
    right: Term


Term = Const | Fact | Param | Mul
Node = Const | Fact | Param | Derived | Emitted | Known | Has | Not | And | Or | Compare | In

NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


# ---------------------------------------------------------------------------
# Walking
# ---------------------------------------------------------------------------
def references(node: Node | Term) -> tuple[set[str], set[str], set[str], set[str]]:
    """(facts, params, classifications, codes) a node names directly."""
    facts: set[str] = set()
    params: set[str] = set()
    derived: set[str] = set()
    codes: set[str] = set()

    def walk(n: Node | Term) -> None:
        if isinstance(n, Fact):
            facts.add(n.name)
        elif isinstance(n, Param):
            params.add(n.name)
        elif isinstance(n, Derived):
            derived.add(n.name)
        elif isinstance(n, Emitted):
            codes.add(n.code)
        elif isinstance(n, Known | Has | In):
            facts.add(n.fact.name)
        elif isinstance(n, Not):
            walk(n.operand)
        elif isinstance(n, And | Or):
            for o in n.operands:
                walk(o)
        elif isinstance(n, Compare | Mul):
            walk(n.left)
            walk(n.right)

    walk(node)
    return facts, params, derived, codes
