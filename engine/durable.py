"""The only module that touches durable_rules: compile conditions, run them safely.

How conditions become durable_rules rules:

- Every classification, code and status condition gets rules for its condition being TRUE
  and rules for it being FALSE (the Kleene complement, by De Morgan). An unknown input
  fires neither, so durable_rules itself decides three-valued logic, without negation as
  failure.
- Rules are stratified: classifications are decided first and asserted forward as explicit
  true/false fields (`d.<name>`, `e.<code>` for `emitted()`), which later strata test. A
  stratum's fact carries what earlier strata decided; an unknown one is absent.
- Conditions are expanded to disjunctive normal form here, one durable_rules rule per
  term, so each rule's alpha path is a plain chain and the network is a tree. durable_rules
  walks it with a fixed 64-entry stack (`MAX_STACK_SIZE`, error 303); rules are packed into
  rulesets whose worst-case walk stays within `STACK_BUDGET`, so it can never overflow.

Safeguards of SPEC.md §6: the C module is called directly (no `Host`, so no timer threads
steal actions); each ruleset has a catch-all rule so every session runs an action (safe
`delete_state`, never `MessageNotHandledException`); `delete_state` runs in `finally`; sids
come from a pool (no 32-bit hash collisions between live sessions, fewer than 1024);
actions only record rule names, so a rule firing twice is harmless; rulesets get fresh
names and are deleted once nothing holds them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import durable_rules_engine as _engine

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
PROFILE = json.dumps({"t": "profile"})
CATCH_ALL = "catch_all"
STACK_BUDGET = 60  # pending alpha nodes per ruleset walk; durable_rules' stack holds 64
_OP_KEYS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def day_number(day: date) -> int:
    """A date as the integer durable_rules compares (20250327)."""
    return day.year * 10000 + day.month * 100 + day.day


def rule_name(kind: str, target: str, truth: bool) -> str:
    """Name of a decision: kind D (classification), C (code), E (eligible_when), H."""
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
class Decision:
    """One decided thing: (kind, target) with its TRUE and FALSE terms."""

    kind: str  # D, C, E, H
    target: str
    true: Dnf
    false: Dnf
    stratum: int


def plan(
    classification_rules: Mapping[str, Rule], code_rules: Mapping[str, Rule]
) -> list[Decision]:
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

    out: list[Decision] = []
    for name, rule in classification_rules.items():
        out.append(
            Decision(
                "D",
                name,
                compiler.cond(rule.when, True),
                compiler.cond(rule.when, False),
                depth(f"D:{name}", [rule.when]),
            )
        )
    for code, rule in code_rules.items():
        level = depth(f"C:{code}", [rule.when])
        out.append(
            Decision("C", code, compiler.gated(rule, True), compiler.gated(rule, False), level)
        )
        for kind, node in (("E", rule.eligible_when), ("H", rule.choose_higher_when)):
            if node is not None:
                out.append(
                    Decision(
                        kind,
                        code,
                        compiler.cond(node, True),
                        compiler.cond(node, False),
                        depth(f"{kind}:{code}", [node]),
                    )
                )
    return out


class _Trie:
    """The alpha network durable_rules builds for a ruleset: one chain per rule, with
    identical tests under the same parent shared (rete.c `findAlpha`)."""

    def __init__(self) -> None:
        self.root: dict[Atom, Any] = {}

    def add(self, term: tuple[Atom, ...]) -> None:
        node = self.root.setdefault(PROFILE, {})
        for atom in term:
            node = node.setdefault(atom, {})

    def stack_bound(self) -> int:
        """Most alpha nodes the walk can have pending at once: along any root-to-leaf path,
        every node's children may all match and wait on the stack."""

        def bound(node: dict[Atom, Any]) -> int:
            return len(node) + max((bound(child) for child in node.values()), default=0)

        return 1 + bound(self.root)


def pack(decisions: list[Decision]) -> list[list[dict[str, Any]]]:
    """Ruleset definitions per stratum; no ruleset can overflow durable_rules' stack."""
    strata: list[list[dict[str, Any]]] = []
    for level in range(max(d.stratum for d in decisions) + 1):
        mine = [d for d in decisions if d.stratum == level]
        # the most common tests go first in every chain, so chains share their prefixes
        frequency: dict[Atom, int] = {}
        for d in mine:
            for term in (*d.true, *d.false):
                for atom in term:
                    frequency[atom] = frequency.get(atom, 0) + 1
        rulesets: list[dict[str, Any]] = []
        current: dict[str, Any] = {}
        trie = _Trie()
        for decision in mine:
            # terms are packed one by one: a decision may span rulesets, since what fired
            # is gathered from all of them
            for truth, terms in ((True, decision.true), (False, decision.false)):
                for index, term in enumerate(terms):
                    chain = tuple(sorted(term, key=lambda a: (-frequency[a], a)))
                    trie.add(chain)
                    if current and trie.stack_bound() > STACK_BUDGET:
                        rulesets.append(current)
                        current, trie = {}, _Trie()
                        trie.add(chain)
                    name = f"{rule_name(decision.kind, decision.target, truth)}#{index}"
                    tests = [json.loads(a) for a in (PROFILE, *chain)]
                    current[name] = {"all": [{"m": {"$and": tests}}]}
        if current:
            rulesets.append(current)
        for definition in rulesets:
            definition[CATCH_ALL] = {"all": [{"m": json.loads(PROFILE)}]}
        strata.append(rulesets)
    return strata


class DurableRuleset:
    """One registered durable_rules ruleset; deleted when the last reference goes."""

    _names = itertools.count()
    live: ClassVar[set[str]] = set()

    def __init__(self, definition: dict[str, Any], label: str) -> None:
        self.name = f"guanai_{next(self._names)}_{label}"
        self._handle = _engine.create_ruleset(self.name, json.dumps(definition, ensure_ascii=False))
        self.live.add(self.name)

    def run(self, message: str, sid: str) -> set[str]:
        """Assert one fact in session `sid`; the decisions whose rules fired."""
        fired: set[str] = set()
        try:
            result = _engine.assert_fact(self._handle, message)
            if result[0] != 0:
                raise RulesRuntimeError(f"durable_rules refused the fact (code {result[0]})")
            state_handle = result[1]
            started = _engine.start_action_for_state(self._handle, state_handle)
            action = started[1] if started else None
            while action:
                name = action[2 : action.index('"', 2)]  # '{"NAME#i": {...}}'
                fired.add(name.split("#", 1)[0])
                action = _engine.complete_and_start_action(self._handle, state_handle)
        except _engine.error as exc:
            raise RulesRuntimeError(f"durable_rules failed in {self.name}: {exc}") from exc
        finally:
            _engine.delete_state(self._handle, sid)
        if CATCH_ALL not in fired:
            raise RulesRuntimeError(f"catch-all rule did not fire in {self.name}")
        return fired

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None:
            self.live.discard(self.name)
            with contextlib.suppress(Exception):  # at interpreter exit nothing is left to free
                _engine.delete_ruleset(handle)


class DurablePipeline:
    """The strata of rulesets for one policy, with the sid pool; thread-safe `decide`."""

    def __init__(
        self,
        classification_rules: Mapping[str, Rule],
        code_rules: Mapping[str, Rule],
        label: str,
        pool_size: int = 256,
    ) -> None:
        self.decisions = plan(classification_rules, code_rules)
        self.strata = [
            [DurableRuleset(d, label) for d in stratum] for stratum in pack(self.decisions)
        ]
        self.by_stratum = [
            [d for d in self.decisions if d.stratum == s] for s in range(len(self.strata))
        ]
        self._sids: queue.Queue[str] = queue.Queue()
        for i in range(pool_size):
            self._sids.put(str(i))

    @property
    def ruleset_count(self) -> int:
        """How many durable_rules rulesets one evaluation runs through."""
        return sum(len(s) for s in self.strata)

    def decide(self, fact: dict[str, Any]) -> frozenset[str]:
        """Run every stratum on a profile fact; the names (`C:CODE:T`…) of what fired."""
        sid = self._sids.get()
        try:
            fired: set[str] = {CATCH_ALL}
            forward: dict[str, dict[str, bool]] = {"d": {}, "e": {}}
            for rulesets, decisions in zip(self.strata, self.by_stratum, strict=True):
                message = json.dumps(
                    {**fact, **forward, "t": "profile", "sid": sid, "id": "p"}, ensure_ascii=False
                )
                for ruleset in rulesets:
                    fired |= ruleset.run(message, sid)
                for d in decisions:
                    key = "d" if d.kind == "D" else "e" if d.kind == "C" else None
                    if key is None:
                        continue
                    name = d.target
                    if rule_name(d.kind, name, True) in fired:
                        forward[key][name] = True
                    elif rule_name(d.kind, name, False) in fired:
                        forward[key][name] = False
            return frozenset(fired)
        finally:
            self._sids.put(sid)
