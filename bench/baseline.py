"""A plain-Python baseline over exactly what durable_rules is given: the same rulesets'
rules (the DNF terms, short keys and all), the same flat fact, the same strata and
forwarded decisions, the same name tables — as closures, no engine at all.

`Baseline.decide` returns the same set of fired names as `DurablePipeline.decide`
(statuses included: the E/H decisions are among them), and the bench checks that it does
on every profile before it times anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.durable import DurablePipeline
from engine.network import CATCH_ALL

Test = Callable[[Mapping[str, Any]], bool]
Value = Callable[[Mapping[str, Any]], Any]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$neq": lambda a, b: a != b,
}
_ABSENT = object()


def _value(rhs: Any) -> Value:
    """A right-hand side: a constant, `$m` (another field) or `$mul`."""
    if isinstance(rhs, dict) and "$m" in rhs:
        key = rhs["$m"]
        return lambda f: f.get(key, _ABSENT)
    if isinstance(rhs, dict) and "$mul" in rhs:
        left, right = _value(rhs["$mul"]["$l"]), _value(rhs["$mul"]["$r"])

        def mul(f: Mapping[str, Any]) -> Any:
            a, b = left(f), right(f)
            return _ABSENT if a is _ABSENT or b is _ABSENT else a * b

        return mul
    return lambda f: rhs


def compile_test(test: dict[str, Any]) -> Test:
    """One durable_rules test as a closure, with its semantics: any comparison on an
    absent field is false, only `$nex` matches absence, an absent `$m` compares true."""
    ((op, body),) = test.items()
    if op == "$ex":
        (key,) = body
        return lambda f: key in f
    if op == "$nex":
        (key,) = body
        return lambda f: key not in f
    if op in _OPS:
        ((key, rhs),) = body.items()
        get, cmp = _value(rhs), _OPS[op]

        def compare(f: Mapping[str, Any]) -> bool:
            if key not in f:
                return False
            other = get(f)
            return True if other is _ABSENT else cmp(f[key], other)

        return compare
    key, const = op, body
    return lambda f: key in f and f[key] == const


def _rule(tests: list[dict[str, Any]]) -> Test:
    parts = [compile_test(t) for t in tests if t != {"t": "profile"}]

    def holds(f: Mapping[str, Any]) -> bool:
        for part in parts:  # noqa: SIM110 — a plain loop is the fastest Python here
            if not part(f):
                return False
        return True

    return holds


class Baseline:
    """The pipeline's rulesets as closures, stratum by stratum."""

    def __init__(self, pipeline: DurablePipeline) -> None:
        self.pipeline = pipeline
        self.strata = [
            [
                (_rule(rule["all"][0]["m"]["$and"]), rs.settles[name])
                for rs in rulesets
                for name, rule in rs.network.definition.items()
                if name != CATCH_ALL
            ]
            for rulesets in pipeline.strata
        ]

    def decide(self, flat_inputs: Mapping[str, Any]) -> frozenset[str]:
        """The names that fire for a flat fact (`DurablePipeline.flatten`)."""
        flat = dict(flat_inputs)
        fired: set[str] = {CATCH_ALL}
        for rules, forwards in zip(self.strata, self.pipeline.forwards, strict=True):
            for test, names in rules:
                if test(flat):
                    fired.update(names)
            for key, true, false in forwards:
                if true in fired:
                    flat[key] = True
                elif false in fired:
                    flat[key] = False
        return frozenset(fired)
