"""The only module that touches durable_rules: compile conditions, run them safely.

Every classification and code becomes two durable_rules rules over one asserted fact: one
for its condition being TRUE and one for it being FALSE (the Kleene complement, built by De
Morgan). An unknown input fires neither, so durable_rules itself decides three-valued
logic, with no negation as failure. Safeguards of SPEC.md §6:

- the C module is called directly (no `Host`, so no timer threads steal actions);
- a catch-all rule makes every session run at least one action (safe `delete_state`,
  never `MessageNotHandledException`); `delete_state` always runs in `finally`;
- sids come from a pool (no hash collisions between live sessions, < 1024 live);
- actions only record rule names, so `$or` firing a rule twice is harmless;
- a ruleset is registered under a fresh name; retiring deletes it once drained.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
from collections.abc import Mapping
from datetime import date
from typing import Any

import durable_rules_engine as _engine

from engine.errors import RulesRuntimeError
from engine.expr import (
    NEGATED, And, Compare, Const, Derived, Emitted, Fact, Has, In, Known, Mul, Node, Not, Or,
    Param, Term,
)
from engine.rules import Rule

Cond = dict[str, Any]
ALWAYS: Cond = {"$ex": {"t": 1}}
NEVER: Cond = {"t": "never"}
PROFILE: Cond = {"t": "profile"}
CATCH_ALL = "catch_all"
_OP_KEYS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}


def day_number(day: date) -> int:
    """A date as the integer durable_rules compares (20250327)."""
    return day.year * 10000 + day.month * 100 + day.day


def rule_name(kind: str, target: str, truth: bool) -> str:
    """Name of a compiled rule: kind D (classification), C (code), E (eligible_when), H."""
    return f"{kind}:{target}:{'T' if truth else 'F'}"


def _and(parts: list[Cond]) -> Cond:
    flat: list[Cond] = []
    for part in parts:
        if part is NEVER:
            return NEVER
        if part is ALWAYS:
            continue
        flat.extend(part["$and"] if list(part) == ["$and"] else [part])
    if not flat:
        return ALWAYS
    return flat[0] if len(flat) == 1 else {"$and": flat}


def _or(parts: list[Cond]) -> Cond:
    flat: list[Cond] = []
    for part in parts:
        if part is ALWAYS:
            return ALWAYS
        if part is NEVER:
            continue
        flat.extend(part["$or"] if list(part) == ["$or"] else [part])
    if not flat:
        return NEVER
    return flat[0] if len(flat) == 1 else {"$or": flat}


class Compiler:
    """Turns expression trees into durable_rules conditions over the asserted fact."""

    def __init__(self, classification_rules: Mapping[str, Rule], code_rules: Mapping[str, Rule]):
        self.classification_rules = classification_rules
        self.code_rules = code_rules
        self._memo: dict[tuple[Node, bool], Cond] = {}

    def cond(self, node: Node, truth: bool) -> Cond:
        """The condition under which `node` is TRUE (truth=True) or FALSE (truth=False)."""
        key = (node, truth)
        if key not in self._memo:
            self._memo[key] = self._cond(node, truth)
        return self._memo[key]

    def rule_cond(self, rule: Rule, node: Node, truth: bool) -> Cond:
        """A code's condition gated by the dates its rule is in force."""
        start = {"$gte": {"c.day": day_number(rule.start)}} if rule.start else ALWAYS
        end = {"$lte": {"c.day": day_number(rule.end)}} if rule.end else ALWAYS
        if truth:
            return _and([start, end, self.cond(node, True)])
        before = {"$lt": {"c.day": day_number(rule.start)}} if rule.start else NEVER
        after = {"$gt": {"c.day": day_number(rule.end)}} if rule.end else NEVER
        return _or([before, after, self.cond(node, False)])

    def _cond(self, node: Node, truth: bool) -> Cond:
        if isinstance(node, Const):
            return ALWAYS if bool(node.value) == truth else NEVER
        if isinstance(node, Fact | Param):
            return _and([*self._unknown_guards(node), {_field(node): truth}])
        if isinstance(node, Derived):
            return self.cond(self.classification_rules[node.name].when, truth)
        if isinstance(node, Emitted):
            rule = self.code_rules[node.code]
            return self.rule_cond(rule, rule.when, truth)
        if isinstance(node, Known):
            present = _and([{"$ex": {_field(node.fact): 1}}, *self._unknown_guards(node.fact)])
            absent = _or([{"$nex": {_field(node.fact): 1}}]
                         + [{_field(node.fact): v} for v in sorted(node.fact.unknown_values)])
            return present if truth else absent
        if isinstance(node, Has):
            return {f"l.{node.fact.name}.{node.value}": truth}
        if isinstance(node, Not):
            return self.cond(node.operand, not truth)
        if isinstance(node, And | Or):
            parts = [self.cond(o, truth) for o in node.operands]
            return _and(parts) if isinstance(node, And) == truth else _or(parts)
        if isinstance(node, In):
            name = _field(node.fact)
            unknown = node.fact.unknown_values
            if truth:
                return _or([{name: v} for v in node.values if v not in unknown])
            excluded = [*node.values, *sorted(v for v in unknown if v not in node.values)]
            return _and([{"$ex": {name: 1}}, *({"$neq": {name: v}} for v in excluded)])
        return self._compare(node, truth)

    def _compare(self, node: Compare, truth: bool) -> Cond:
        op, left, right = node.op, node.left, node.right
        if not isinstance(left, Fact | Param):
            if not isinstance(right, Fact | Param):
                raise RulesRuntimeError(f"cannot compile comparison {node}: no field on either side")
            left, right = right, left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}[op]
        if not truth:
            op = NEGATED[op]
        field = _field(left)
        guards: list[Cond] = [*self._unknown_guards(left)]
        for ref in _refs(right):
            guards.append({"$ex": {_field(ref): 1}})  # an absent $m reference compares as true
            guards.extend(self._unknown_guards(ref))
        rhs = _rhs(right)
        test = {field: rhs} if op == "==" else {_OP_KEYS[op]: {field: rhs}}
        return _and([*guards, test])

    @staticmethod
    def _unknown_guards(node: Fact | Param) -> list[Cond]:
        if isinstance(node, Param) or not node.unknown_values:
            return []
        return [{"$neq": {_field(node): v}} for v in sorted(node.unknown_values)]


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


def compile_ruleset(
    classification_rules: Mapping[str, Rule], code_rules: Mapping[str, Rule]
) -> dict[str, Any]:
    """The durable_rules ruleset definition (JSON-able) for a policy."""
    compiler = Compiler(classification_rules, code_rules)
    definition: dict[str, Any] = {}

    def add(name: str, cond: Cond) -> None:
        definition[name] = {"all": [{"m": _and([PROFILE, cond]) if cond is not NEVER else NEVER}]}

    for name, rule in classification_rules.items():
        for truth in (True, False):
            add(rule_name("D", name, truth), compiler.cond(rule.when, truth))
    for code, rule in code_rules.items():
        for truth in (True, False):
            add(rule_name("C", code, truth), compiler.rule_cond(rule, rule.when, truth))
            for kind, node in (("E", rule.eligible_when), ("H", rule.choose_higher_when)):
                if node is not None:
                    add(rule_name(kind, code, truth), compiler.cond(node, truth))
    definition[CATCH_ALL] = {"all": [{"m": PROFILE}]}
    return definition


class DurableRuleset:
    """A registered ruleset with its sid pool; thread-safe `decide`, drained `retire`."""

    _names = itertools.count()

    def __init__(self, definition: dict[str, Any], label: str, pool_size: int = 256) -> None:
        self.name = f"guanai_{next(self._names)}_{label}"
        self.rule_count = len(definition)
        self._handle = _engine.create_ruleset(self.name, json.dumps(definition, ensure_ascii=False))
        self._sids: queue.Queue[str] = queue.Queue()
        for i in range(pool_size):
            self._sids.put(str(i))
        self._lock = threading.Lock()
        self._in_flight = 0
        self._retired = False
        self._deleted = False

    def decide(self, fact: dict[str, Any]) -> frozenset[str]:
        """Assert one profile fact in a fresh session; the names of every rule that fired."""
        with self._lock:
            if self._deleted:
                raise RulesRuntimeError("ruleset already deleted")
            self._in_flight += 1
        sid = self._sids.get()
        fired: set[str] = set()
        try:
            message = {**fact, "t": "profile", "sid": sid, "id": "profile"}
            result = _engine.assert_fact(self._handle, json.dumps(message, ensure_ascii=False))
            if result[0] != 0:
                raise RulesRuntimeError(f"durable_rules refused the fact (code {result[0]})")
            state_handle = result[1]
            started = _engine.start_action_for_state(self._handle, state_handle)
            action = started[1] if started else None
            while action:
                fired.add(action[2 : action.index('"', 2)])  # '{"NAME": {...}}'
                action = _engine.complete_and_start_action(self._handle, state_handle)
        except _engine.error as exc:
            raise RulesRuntimeError(f"durable_rules failed: {exc}") from exc
        finally:
            try:
                _engine.delete_state(self._handle, sid)
            finally:
                self._sids.put(sid)
                self._release()
        if CATCH_ALL not in fired:
            raise RulesRuntimeError("the catch-all rule did not fire: session state is suspect")
        return frozenset(fired)

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            drained = self._retired and self._in_flight == 0 and not self._deleted
            if drained:
                self._deleted = True
        if drained:
            _engine.delete_ruleset(self._handle)

    def retire(self) -> None:
        """Delete the ruleset as soon as no evaluation is using it."""
        with self._lock:
            self._retired = True
            drained = self._in_flight == 0 and not self._deleted
            if drained:
                self._deleted = True
        if drained:
            _engine.delete_ruleset(self._handle)
