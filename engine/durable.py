"""The only module that touches durable_rules: register the rulesets, run them safely.

How conditions become durable_rules rules (engine/rulesets.py builds the definitions):

- Every classification, code and status condition gets rules for its condition being TRUE
  and rules for it being FALSE (the Kleene complement, by De Morgan). An unknown input
  fires neither, so durable_rules itself decides three-valued logic, without negation as
  failure.
- Rules are stratified: classifications are decided first and asserted forward as explicit
  true/false fields (`d.<name>`, `e.<code>` for `emitted()`), which later strata test. A
  stratum's fact carries what earlier strata decided; an unknown one is absent.
- Conditions are expanded to disjunctive normal form, one durable_rules rule per
  distinct term of a stratum (engine/network.py: a term several decisions share is one
  rule with a name table), so each rule's alpha path is a plain chain and the network is
  a tree. Each ruleset is asserted only the fields its tests read, serialised once with
  orjson; an action only looks its rule name up in the table. durable_rules
  walks it with a fixed 64-entry stack (`MAX_STACK_SIZE`, error 303); rules are packed into
  rulesets whose worst-case walk stays within `STACK_BUDGET`, so it can never overflow.

Safeguards of docs/contract.md §6: the C module is called directly (no `Host`, so no timer threads
steal actions); each ruleset has a catch-all rule so every session runs an action (safe
`delete_state`, never `MessageNotHandledException`); sids come from a pool (no 32-bit hash
collisions between live sessions, fewer than 1024);
actions only record rule names, so a rule firing twice is harmless; rulesets get fresh
names and are deleted once nothing holds them.

Sessions are kept warm: durable_rules allocates and clears about 8 KB per rule whenever it
creates a session, which was most of an evaluation's cost. The first `KEEP_SESSIONS` sids
of the (last-in, first-out) pool keep their session: after the actions ran, the fact is
retracted, and the session is checked to hold no pending action. Any error deletes the
session (so the next use starts fresh), other sids delete theirs in `finally` as before,
and a ruleset deletes its kept sessions before itself (durable_rules' `delete_ruleset`
does not free them). A stale session could only make durable_rules disagree with the
evaluator, which every evaluation checks.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
from collections.abc import Mapping
from typing import Any, ClassVar

import durable_rules_engine as _engine
import orjson

from engine.errors import RulesRuntimeError
from engine.network import CATCH_ALL, Network, pack
from engine.rules import Rule
from engine.rulesets import DecisionKind, plan, rule_name

KEEP_SESSIONS = 8  # sids whose sessions stay allocated between evaluations


class DurableRuleset:
    """One registered durable_rules ruleset; deleted when the last reference goes."""

    _names = itertools.count()
    live: ClassVar[set[str]] = set()

    def __init__(self, network: Network, label: str) -> None:
        self.name = f"guanai_{next(self._names)}_{label}"
        self.network = network
        self.settles = network.settles
        self.reads = network.reads
        self.keys = tuple(r.key for r in network.reads)
        self._kept: set[str] = set()
        self._handle = _engine.create_ruleset(self.name, orjson.dumps(network.definition).decode())
        self.live.add(self.name)

    def message(self, flat: Mapping[str, Any], sid: str) -> str:
        """The fact for this ruleset: only the fields its tests read, serialised once."""
        fact = {"t": "profile", "sid": sid, "id": "p"}
        fact.update({k: flat[k] for k in self.keys if k in flat})
        return orjson.dumps(fact).decode()

    def run(self, message: str, sid: str, keep: bool = False) -> set[str]:
        """Assert one fact in session `sid`; the decisions whose rules fired. With `keep`,
        the fact is retracted afterwards and the session kept for the next use."""
        fired: set[str] = set()
        settles, handle = self.settles, self._handle
        clean = False
        try:
            result = _engine.assert_fact(handle, message)
            if result[0] != 0:
                raise RulesRuntimeError(f"durable_rules refused the fact (code {result[0]})")
            state_handle = result[1]
            started = _engine.start_action_for_state(handle, state_handle)
            action = started[1] if started else None
            while action:
                fired.update(settles[action[2 : action.index('"', 2)]])  # '{"r7": {...}}'
                action = _engine.complete_and_start_action(handle, state_handle)
            if keep:
                _engine.retract_fact(handle, message)
                clean = not _engine.start_action_for_state(handle, state_handle)
        except _engine.error as exc:
            raise RulesRuntimeError(f"durable_rules failed in {self.name}: {exc}") from exc
        finally:
            if clean:
                self._kept.add(sid)
            else:
                self._kept.discard(sid)
                _engine.delete_state(handle, sid)
        if CATCH_ALL not in fired:
            raise RulesRuntimeError(f"catch-all rule did not fire in {self.name}")
        return fired

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None:
            self.live.discard(self.name)
            with contextlib.suppress(Exception):  # at interpreter exit nothing is left to free
                for sid in self._kept:
                    _engine.delete_state(handle, sid)
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
            [DurableRuleset(n, label) for n in stratum] for stratum in pack(self.decisions)
        ]
        reads = {r.key: r for stratum in self.strata for rs in stratum for r in rs.reads}
        self.inputs = [r for r in reads.values() if r.group not in "de"]
        self._by_group = [
            (g, [(r.key, r.name, r.value) for r in self.inputs if r.group == g])
            for g in sorted({r.group for r in self.inputs})
        ]
        forwarded = {(r.group, r.name): r.key for r in reads.values() if r.group in "de"}
        # per stratum, what later strata read of it: (short key, TRUE rule, FALSE rule)
        self.forwards: list[list[tuple[str, str, str]]] = [[] for _ in self.strata]
        for d in self.decisions:
            key = forwarded.get(
                (
                    {DecisionKind.CLASSIFICATION: "d", DecisionKind.CODE: "e"}.get(d.kind, ""),
                    d.target,
                )
            )
            if key is not None:
                self.forwards[d.stratum].append((key, *self._names_of(d.kind, d.target)))
        # last in, first out: a few sids (and their kept sessions) do nearly all the work
        self._sids: queue.LifoQueue[str] = queue.LifoQueue()
        for i in reversed(range(pool_size)):
            self._sids.put(str(i))
        self._keep = {str(i) for i in range(min(KEEP_SESSIONS, pool_size))}

    @property
    def ruleset_count(self) -> int:
        """How many durable_rules rulesets one evaluation runs through."""
        return sum(len(s) for s in self.strata)

    @staticmethod
    def _names_of(kind: str, target: str) -> tuple[str, str]:
        return rule_name(kind, target, True), rule_name(kind, target, False)

    def flatten(self, fact: Mapping[str, Any]) -> dict[str, Any]:
        """The known inputs (sections f, l, p, c) under their short keys."""
        flat: dict[str, Any] = {}
        for group, reads in self._by_group:
            source = fact.get(group)
            if source:
                for key, name, item in reads:
                    value = source.get(name)
                    if item is not None and value is not None:
                        value = value.get(item)
                    if value is not None:
                        flat[key] = value
        return flat

    def decide(self, fact: Mapping[str, Any]) -> frozenset[str]:
        """Run every stratum on a profile fact (sections f, l, p, c); the names
        (`C:CODE:T`…) of what fired."""
        sid = self._sids.get()
        keep = sid in self._keep
        try:
            fired: set[str] = {CATCH_ALL}
            flat = self.flatten(fact)
            for rulesets, forwards in zip(self.strata, self.forwards, strict=True):
                for ruleset in rulesets:
                    fired |= ruleset.run(ruleset.message(flat, sid), sid, keep)
                for key, true, false in forwards:
                    if true in fired:
                        flat[key] = True
                    elif false in fired:
                        flat[key] = False
            return frozenset(fired)
        finally:
            self._sids.put(sid)
