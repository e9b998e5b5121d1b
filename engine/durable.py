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
  term, so each rule's alpha path is a plain chain and the network is a tree. durable_rules
  walks it with a fixed 64-entry stack (`MAX_STACK_SIZE`, error 303); rules are packed into
  rulesets whose worst-case walk stays within `STACK_BUDGET`, so it can never overflow.

Safeguards of docs/contract.md §6: the C module is called directly (no `Host`, so no timer threads
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
from collections.abc import Mapping
from typing import Any, ClassVar

import durable_rules_engine as _engine

from engine.errors import RulesRuntimeError
from engine.rules import Rule
from engine.rulesets import CATCH_ALL, pack, plan, rule_name


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
