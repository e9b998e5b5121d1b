"""durable_rules decides; the three-valued evaluator must find exactly what it fired.

Every compiled rule (each classification, each code, each status condition) is compared on
10,000 generated profiles covering every fact and value (乡政府驻地, 防止返贫监测对象, a region
that lists divorce for legal aid…), unknowns included, in several regions and on dates either
side of the document, and on every scenario of features/. Outside the programme, durable_rules
decides again on her profile with the left-behind condition set aside (engine/outside.py): that
decision is compared too, and 10,000 profiles are evaluated in full with `"explain": "all"`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from engine import Decision, Evaluator, Policy, Profile, outside
from engine.result import ExplainedResult
from engine.vocabulary import LEFT_BEHIND
from tests.profiles import random_profile

DATES = [date(2016, 6, 1), date(2025, 3, 26), date(2025, 3, 27), date(2025, 6, 1), date(2026, 2, 1)]


class Recording(Evaluator):
    """An evaluator that keeps every Decision its evaluations make (the first of each
    evaluation is hers; a second one is the decision outside the programme)."""

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self.decisions: list[Decision] = []

    def decide(self, profile: Mapping[str, Any] | Profile, as_of: date) -> Decision:
        decision = super().decide(profile, as_of)
        self.decisions.append(decision)
        return decision


@pytest.mark.slow
def test_durable_rules_and_the_evaluator_agree_on_10000_generated_profiles(
    policy: Policy,
) -> None:
    """Each profile is evaluated in full with `"explain": "all"`: `evaluate` raises
    RulesRuntimeError on any disagreement, in the programme or outside it."""
    evaluator = Recording(policy)
    rng = random.Random(20250327)
    outcomes: dict[str, set[bool | None]] = {}
    seen: set[str] = set()
    try:
        for _ in range(10_000):
            profile = random_profile(rng, policy)
            evaluator.decisions.clear()
            result = evaluator.evaluate(profile, rng.choice(DATES), explain="all")
            assert isinstance(result, ExplainedResult)
            decision, *beyond = evaluator.decisions
            assert decision.disagreements() == [], profile
            for name, value in decision.kleene.items():
                outcomes.setdefault(name, set()).add(value)
            if beyond:
                seen.add("outside")
            seen.add(f"residence_area={profile.get('residence_area')}")
            if profile.get("anti_poverty_monitoring_target"):
                seen.add("anti_poverty_monitoring_target")
            if decision.params.get("legal_aid_scope_includes_divorce"):
                seen.add("divorce in scope")
    finally:
        evaluator.close()
    assert {
        "outside",
        "residence_area=xiang_seat",
        "anti_poverty_monitoring_target",
        "divorce in scope",
    } <= seen
    # the generator really exercised the rules: every condition was seen true and false,
    # and every one that can be unknown was seen unknown
    never_true = sorted(n for n, seen in outcomes.items() if True not in seen)
    never_false = sorted(n for n, seen in outcomes.items() if False not in seen)
    assert never_true == [], never_true
    assert never_false == [], never_false


def test_outside_the_programme_a_disagreement_would_be_detected(evaluator: Evaluator) -> None:
    profile = {"sex": "female", "marital_status": "divorced", "sudden_hardship_event": False}
    decision = evaluator.decide(profile, date(2025, 6, 1))
    valid = evaluator.validate(profile)
    assert outside.applies(valid, decision.durable_value("D", LEFT_BEHIND))
    forced = evaluator.env(decision.facts, decision.params, date(2025, 6, 1), {LEFT_BEHIND: True})
    durable = {c: forced.emitted(c) for c in evaluator.code_rules}
    assert outside.disagreements(evaluator.code_rules, durable, forced) == []
    durable["LEGAL_PUBLICITY"] = True  # basis doc: not compared
    durable["TEMPORARY_ASSISTANCE"] = True
    assert outside.disagreements(evaluator.code_rules, durable, forced) == [
        "outside C:TEMPORARY_ASSISTANCE: durable=True evaluator=False"
    ]


def test_agreement_holds_with_everything_unknown(evaluator: Evaluator) -> None:
    decision = evaluator.decide({}, date(2025, 6, 1))
    assert decision.disagreements() == []
    assert decision.kleene["D:is_rural_left_behind_woman"] is None


def test_a_disagreement_would_be_detected(evaluator: Evaluator) -> None:
    decision = evaluator.decide({"domestic_violence_ongoing": True}, date(2025, 6, 1))
    assert decision.durable_value("C", "URGENT_DV_POLICE") is True
    tampered = type(decision)(
        facts=decision.facts,
        params=decision.params,
        fired=decision.fired - {"C:URGENT_DV_POLICE:T"},
        kleene=decision.kleene,
    )
    assert tampered.disagreements() == ["C:URGENT_DV_POLICE: durable=None evaluator=True"]
