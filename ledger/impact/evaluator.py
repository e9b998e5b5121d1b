"""The replay's evaluator: the three-valued evaluator decides alone, without durable_rules.

Every evaluation the service answers runs both and checks that they agree (engine/evaluate.py);
a replay of the whole ledger under two sets leaves durable_rules out for speed: only `decide`
is replaced, so `evaluate` and the assembler are the service's own and the result is the one
the service would give.
The impact tests compare this path with the full, checked evaluation, case by case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from engine import Evaluator, Profile
from engine.decision import Decision
from engine.kleene import evaluate
from engine.parameters import region_chain
from engine.rulesets import rule_name


class ReplayEvaluator(Evaluator):
    """An Evaluator whose decisions come from the three-valued evaluator alone."""

    def decide(self, profile: Mapping[str, Any] | Profile, as_of: date) -> Decision:
        """What the evaluator finds, with the rules durable_rules would fire named from it."""
        valid = self.validate(profile)
        facts = self.facts_for(valid, as_of)
        params = self.policy.parameters.resolve_all(region_chain(valid.region_code), as_of)
        env = self.env(facts, params, as_of)
        kleene: dict[str, bool | None] = {}
        for name in self.classification_rules:
            kleene[f"D:{name}"] = env.derived(name)
        for code, rule in self.code_rules.items():
            kleene[f"C:{code}"] = env.emitted(code)
            if rule.eligible_when is not None:
                kleene[f"E:{code}"] = evaluate(rule.eligible_when, env)
            if rule.choose_higher_when is not None:
                kleene[f"H:{code}"] = evaluate(rule.choose_higher_when, env)
        fired = frozenset(
            rule_name(kind, target, value)
            for (kind, target), value in ((key.split(":", 1), v) for key, v in kleene.items())
            if value is not None
        )
        return Decision(facts=facts, params=params, fired=fired, kleene=kleene, env=env)
