"""Evaluator: durable_rules decides, the three-valued evaluator explains, both must agree."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import ValidationError

from engine import outside
from engine.assemble import Assembler
from engine.compiled import compile_node
from engine.decision import Decision
from engine.durable import DurablePipeline
from engine.errors import ProfileError, RulesRuntimeError
from engine.expr import Node, Tri
from engine.kleene import Env
from engine.messages import field_errors
from engine.parameters import region_chain
from engine.policy import Policy
from engine.profile import Profile
from engine.reasons import Explainer
from engine.result import EvaluationResult
from engine.rulesets import DecisionKind, day_number
from engine.vocabulary import LEFT_BEHIND

Explain = Literal["applicable", "all"]


class Evaluator:
    """Evaluates profiles against one loaded policy. Thread-safe; `close()` when replaced."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.catalog = policy.catalog
        self.classification_rules = policy.classification_rules
        self.code_rules = policy.code_rules
        self.pipeline = DurablePipeline(
            self.classification_rules, self.code_rules, label=policy.version[7:19]
        )
        self.explainer = Explainer(self.catalog, self.expand)
        self._derived = {n: compile_node(r.when) for n, r in self.classification_rules.items()}
        self._emitted = {c: compile_node(r.when) for c, r in self.code_rules.items()}
        self._status = {
            (kind, code): compile_node(node)
            for code, r in self.code_rules.items()
            for kind, node in (
                (DecisionKind.ELIGIBLE, r.eligible_when),
                (DecisionKind.CHOOSE_HIGHER, r.choose_higher_when),
            )
            if node is not None
        }
        self.code_order = {code: i for i, code in enumerate(self.catalog.codes)}
        self.fact_order = {fact: i for i, fact in enumerate(self.catalog.facts)}
        self._param_cache: dict[tuple[str | None, date], dict[str, Any]] = {}
        self.closed = False

    def close(self) -> None:
        """Stop using this evaluator; its ruleset is freed once no evaluation holds it."""
        self.closed = True

    # -- inputs ----------------------------------------------------------------
    @staticmethod
    def validate(profile: Mapping[str, Any] | Profile) -> Profile:
        """A strict Profile, or ProfileError naming every bad field."""
        if isinstance(profile, Profile):
            return profile
        if not isinstance(profile, Mapping):
            raise ProfileError(field_errors(_not_an_object()))
        try:
            return Profile.model_validate(dict(profile))
        except ValidationError as exc:
            raise ProfileError(field_errors(exc)) from exc

    def facts_for(self, profile: Profile, day: date) -> dict[str, Any]:
        """Known facts with the absent-fact conventions applied (docs/contract.md §1)."""
        known = profile.facts(day)
        facts: dict[str, Any] = {}
        for name, fdef in self.catalog.facts.items():
            value = known.get(name)
            if value is None and fdef.absent == "false":
                value = False
            elif value is None and fdef.absent == "empty":
                value = []
            if value is not None:
                facts[name] = value
        return facts

    def env(
        self,
        facts: Mapping[str, Any],
        params: Mapping[str, Any],
        day: date,
        override: Mapping[str, Tri] | None = None,
    ) -> Env:
        """A three-valued environment; `override` forces classifications (two-world check)."""
        derived_memo: dict[str, Tri] = dict(override or {})
        emitted_memo: dict[str, Tri] = {}

        def derived(name: str) -> Tri:
            if name not in derived_memo:
                derived_memo[name] = self._derived[name](env)
            return derived_memo[name]

        def emitted(code: str) -> Tri:
            if code not in emitted_memo:
                rule = self.code_rules[code]
                emitted_memo[code] = self._emitted[code](env) if rule.in_force(day) else False
            return emitted_memo[code]

        env = Env(facts=facts, params=params, derived=derived, emitted=emitted)
        return env

    def _params(self, region_code: str | None, day: date) -> dict[str, Any]:
        """The parameters in force for a region on a day (shared: never mutate them)."""
        key = (region_code, day)
        found = self._param_cache.get(key)
        if found is None:
            found = self.policy.parameters.resolve_all(region_chain(region_code), day)
            if len(self._param_cache) >= 4096:
                self._param_cache.clear()
            self._param_cache[key] = found
        return found

    # -- deciding --------------------------------------------------------------
    def decide(self, profile: Mapping[str, Any] | Profile, as_of: date) -> Decision:
        """Run durable_rules and the evaluator on one profile; no agreement check."""
        valid = self.validate(profile)
        facts = self.facts_for(valid, as_of)
        params = self._params(valid.region_code, as_of)
        fired = self.pipeline.decide(self.message_for(facts, params, as_of))
        env = self.env(facts, params, as_of)
        kleene: dict[str, Tri] = {}
        for name in self.classification_rules:
            kleene[f"D:{name}"] = env.derived(name)
        for code in self.code_rules:
            kleene[f"C:{code}"] = env.emitted(code)
        for (kind, code), condition in self._status.items():
            kleene[f"{kind}:{code}"] = condition(env)
        return Decision(facts=facts, params=params, fired=fired, kleene=kleene, env=env)

    def message_for(
        self, facts: Mapping[str, Any], params: Mapping[str, Any], day: date
    ) -> dict[str, Any]:
        """The fact durable_rules is given: facts, list memberships as explicit true/false,
        known scalar parameters, and the day."""
        return {
            "f": dict(facts),
            "l": {
                name: {value: value in facts[name] for value in (fdef.values or {})}
                for name, fdef in self.catalog.facts.items()
                if fdef.type == "list" and name in facts
            },
            "p": {k: v for k, v in params.items() if v is not None and not isinstance(v, list)},
            "c": {"day": day_number(day)},
        }

    def evaluate(
        self,
        profile: Mapping[str, Any] | Profile,
        as_of: date | None = None,
        explain: Explain = "applicable",
    ) -> EvaluationResult:
        """The full docs/contract.md §3 result for a profile on a date (default today); with
        `explain="all"` also why not (§3a)."""
        day = as_of or date.today()
        valid = self.validate(profile)
        decision = self.decide(valid, day)
        problems = decision.disagreements()
        beyond = None
        if outside.applies(valid, decision.durable_value(DecisionKind.CLASSIFICATION, LEFT_BEHIND)):
            beyond = self.decide(outside.as_left_behind(valid, decision.params), day)
            forced = self.env(decision.facts, decision.params, day, {LEFT_BEHIND: True})
            durable = {c: beyond.durable_value(DecisionKind.CODE, c) for c in self.code_rules}
            problems += beyond.disagreements()
            problems += outside.disagreements(self.code_rules, durable, forced)
        if problems:
            raise RulesRuntimeError(
                "durable_rules and the evaluator disagree: " + "; ".join(problems)
            )
        return Assembler(self, valid, day, decision, beyond, explain == "all").build()

    def expand(self, kind: str, name: str) -> Node | None:
        """The condition behind a classification ("d") or a code ("c")."""
        if kind == "d":
            return self.classification_rules[name].when
        return self.code_rules[name].when


def _not_an_object() -> ValidationError:
    try:
        Profile.model_validate("not an object")
    except ValidationError as exc:
        return exc
    raise AssertionError("unreachable")  # pragma: no cover
