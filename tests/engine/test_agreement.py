"""durable_rules decides; the three-valued evaluator must find exactly what it fired.

Every compiled rule (each classification, each code, each status condition) is compared on
10,000 generated profiles covering every fact, unknowns included, in several regions and
on dates either side of the document, and on every scenario of features/.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from engine import Evaluator, Policy
from tests.profiles import random_profile

DATES = [date(2016, 6, 1), date(2025, 3, 26), date(2025, 3, 27), date(2025, 6, 1), date(2026, 2, 1)]


@pytest.mark.slow
def test_durable_rules_and_the_evaluator_agree_on_10000_generated_profiles(
    evaluator: Evaluator, policy: Policy
) -> None:
    rng = random.Random(20250327)
    outcomes: dict[str, set[bool | None]] = {}
    for _ in range(10_000):
        profile = random_profile(rng, policy)
        decision = evaluator.decide(profile, rng.choice(DATES))
        assert decision.disagreements() == [], profile
        for name, value in decision.kleene.items():
            outcomes.setdefault(name, set()).add(value)
    # the generator really exercised the rules: every condition was seen true and false,
    # and every one that can be unknown was seen unknown
    never_true = sorted(n for n, seen in outcomes.items() if True not in seen)
    never_false = sorted(n for n, seen in outcomes.items() if False not in seen)
    assert never_true == [], never_true
    assert never_false == [], never_false


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
