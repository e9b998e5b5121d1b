"""Why not (contract §3a, `"explain": "all"`): why each classification has its value, why each
code not listed does not apply, and which single fact would bring it into the results."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.catalog import Catalog, FactDef
from engine.expr import (
    And,
    Compare,
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
    Term,
    Tri,
    references,
)
from engine.kleene import Env, evaluate, term_value
from engine.rules import Rule

# Facts a caseworker cannot "change" to make a code apply.
_NOT_SUGGESTED = {"region_code"}


@dataclass(frozen=True)
class Reach:
    """For one policy: the facts each code depends on (through classifications and the codes
    it names) and every comparison that reads a number fact."""

    facts: dict[str, frozenset[str]]
    compares: dict[str, tuple[Compare, ...]]


_REACH: weakref.WeakKeyDictionary[object, Reach] = weakref.WeakKeyDictionary()


def _walk(node: Node | Term, visit: Callable[[Node | Term], None]) -> None:
    visit(node)
    if isinstance(node, Not):
        _walk(node.operand, visit)
    elif isinstance(node, And | Or):
        for operand in node.operands:
            _walk(operand, visit)
    elif isinstance(node, Compare | Mul):
        _walk(node.left, visit)
        _walk(node.right, visit)


def reach(
    key: object, classification_rules: Mapping[str, Rule], code_rules: Mapping[str, Rule]
) -> Reach:
    """The (cached) Reach of a policy's rules."""
    found = _REACH.get(key)
    if found is not None:
        return found
    direct: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    compares: dict[str, list[Compare]] = {}
    rules = [(f"d:{n}", r) for n, r in classification_rules.items()]
    rules += [(f"c:{n}", r) for n, r in code_rules.items()]
    for key_name, rule in rules:
        facts: set[str] = set()
        refs: set[str] = set()

        def visit(n: Node | Term, facts: set[str] = facts, refs: set[str] = refs) -> None:
            if isinstance(n, Fact):
                facts.add(n.name)
            elif isinstance(n, Known | Has | In):
                facts.add(n.fact.name)
            elif isinstance(n, Derived):
                refs.add(f"d:{n.name}")
            elif isinstance(n, Emitted):
                refs.add(f"c:{n.code}")
            if isinstance(n, Compare):
                for side in (n.left, n.right):
                    if isinstance(side, Fact):
                        compares.setdefault(side.name, []).append(n)

        _walk(rule.when, visit)
        direct[key_name], names[key_name] = facts, refs
    closed: dict[str, frozenset[str]] = {}

    def close(name: str, stack: frozenset[str]) -> frozenset[str]:
        if name in closed:
            return closed[name]
        out = set(direct.get(name, ()))
        for ref in names.get(name, ()):
            if ref not in stack:
                out |= close(ref, stack | {ref})
        closed[name] = frozenset(out)
        return closed[name]

    result = Reach(
        facts={code: close(f"c:{code}", frozenset({f"c:{code}"})) for code in code_rules},
        compares={name: tuple(nodes) for name, nodes in compares.items()},
    )
    _REACH[key] = result
    return result


Flippers = frozenset[str] | None  # None: no single fact is needed (the value is already there)


def flippers(
    node: Node,
    env: Env,
    target: bool,
    expand: Callable[[str, str], Node | None],
    memo: dict[tuple[str, bool], Flippers],
    values: dict[int, Tri] | None = None,
) -> Flippers:
    """The facts one of which, changed alone, might give `node` the value `target`: a fast
    over-approximation that spares trying every fact (the trial decides). `values` caches
    each node's value in `env` (by identity)."""
    values = {} if values is None else values
    key_id = id(node)
    if key_id not in values:
        values[key_id] = evaluate(node, env)
    value = values[key_id]
    if value is target:
        return None
    if isinstance(node, Not):
        return flippers(node.operand, env, not target, expand, memo, values)
    if isinstance(node, And | Or):
        every = isinstance(node, And) == target  # every operand must reach the target
        found: Flippers = None if every else frozenset()
        for operand in node.operands:
            part = flippers(operand, env, target, expand, memo, values)
            if every:
                found = part if found is None else (found if part is None else found & part)
            elif part is None:
                return None
            else:
                found = found | part  # type: ignore[operator]
        return found
    if isinstance(node, Derived | Emitted):
        key = (f"d:{node.name}" if isinstance(node, Derived) else f"c:{node.code}", target)
        if key not in memo:
            memo[key] = frozenset()  # a cycle cannot help
            inner = expand("d", node.name) if isinstance(node, Derived) else expand("c", node.code)
            memo[key] = (
                frozenset() if inner is None else flippers(inner, env, target, expand, memo, values)
            )
        return memo[key]
    return frozenset(references(node)[0])


def _numbers(
    fact: str, fdef: FactDef, current: Any, compares: Iterable[Compare], env: Env
) -> list[Any]:
    """Values either side of every bound `fact` is compared with, nearest to `current` first."""
    bounds: set[float] = set()
    for node in compares:
        other = node.right if isinstance(node.left, Fact) and node.left.name == fact else node.left
        value = term_value(other, env)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = round(value, 2)  # 0.7 × 7000 is 4900, not 4900.000000000001
            bounds.update({round(value - 1, 2), value, round(value + 1, 2)})
    low = fdef.min if fdef.min is not None else float("-inf")
    values = sorted(b for b in bounds if b >= low and b != current)
    if isinstance(current, int | float):
        values.sort(key=lambda v: (abs(v - current), v))
    return [int(v) if fdef.type == "integer" or float(v).is_integer() else v for v in values]


def candidates(
    fact: str, fdef: FactDef, current: Any, compares: Iterable[Compare], env: Env
) -> list[Any]:
    """The values worth trying for one fact: the other booleans and choices, one item more or
    less in a list, the numbers around each bound."""
    if fdef.type == "boolean":
        return [v for v in (True, False) if v is not current]
    if fdef.type == "enum" or (fdef.type == "integer" and fdef.values):
        typed = [int(v) if fdef.type == "integer" else v for v in fdef.values or {}]
        return [v for v in typed if v != current]
    if fdef.type == "list":
        have = list(current or [])
        more = [[*have, v] for v in fdef.values or {} if v not in have]
        return more + [[h for h in have if h != v] for v in have]
    if fdef.type in ("integer", "number"):
        return _numbers(fact, fdef, current, compares, env)
    return []


def would_apply(
    catalog: Catalog,
    the_reach: Reach,
    code_rules: Mapping[str, Rule],
    expand: Callable[[str, str], Node | None],
    false_codes: list[str],
    facts: Mapping[str, Any],
    env: Env,
    world: Callable[[Mapping[str, Any]], Env],
    values: dict[int, Tri] | None = None,
) -> dict[str, list[tuple[str, Any]]]:
    """For each false code, every (fact, value) that on its own makes its condition true:
    every flipping value of a boolean, choice or list fact, the nearest of a number fact."""
    wanted: dict[str, list[str]] = {}
    memo: dict[tuple[str, bool], Flippers] = {}
    for code in false_codes:
        could = flippers(code_rules[code].when, env, True, expand, memo, values)
        for fact in the_reach.facts[code] if could is None else could & the_reach.facts[code]:
            if fact not in _NOT_SUGGESTED:
                wanted.setdefault(fact, []).append(code)
    out: dict[str, list[tuple[str, Any]]] = {code: [] for code in false_codes}
    for fact in sorted(wanted, key=list(catalog.facts).index):
        fdef = catalog.facts[fact]
        numeric = fdef.type in ("integer", "number") and not fdef.values
        done: set[str] = set()
        for value in candidates(fact, fdef, facts.get(fact), the_reach.compares.get(fact, ()), env):
            trial = world({**facts, fact: value})
            for code in wanted[fact]:
                if code in done:
                    continue
                if trial.emitted(code) is True:
                    out[code].append((fact, value))
                    if numeric:
                        done.add(code)
    return out


def not_in_force(rule: Rule, day: date) -> str:
    """The reason for a code whose rule is not in force on the evaluation date."""
    span = f"{rule.start.isoformat()}起" if rule.start else ""
    if rule.end:
        span += f"至{rule.end.isoformat()}"
    return f"评估日期（{day.isoformat()}）不在本规定施行期间（{span}）"
