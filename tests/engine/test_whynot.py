"""Why not (contract §3a, `"explain": "all"`): every false classification and every code that
does not apply has reasons naming facts and values, and every `would_apply_if` really brings
its code into the results (checked with durable_rules on 1,000 generated profiles)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from engine import Evaluator, Policy
from engine.reasons import short
from tests.profiles import random_profile

DATES = [date(2025, 3, 26), date(2025, 6, 1), date(2026, 2, 1)]


def labels(policy: Policy) -> list[str]:
    """What a reason naming a fact or a parameter contains."""
    cat = policy.catalog
    return [short(f.zh) for f in cat.facts.values()] + [p.zh for p in cat.parameters.values()]


def names_a_fact(reasons: list[str], words: list[str]) -> bool:
    text = "；".join(reasons)
    return any(word in text for word in words) or text.startswith("评估日期")


@pytest.mark.slow
def test_every_would_apply_if_brings_its_code_into_the_results_on_1000_profiles(
    evaluator: Evaluator, policy: Policy
) -> None:
    rng = random.Random(20251201)
    words = labels(policy)
    checked = flipped_codes = 0
    for _ in range(1_000):
        profile = random_profile(rng, policy)
        day = rng.choice(DATES)
        body = evaluator.evaluate(profile, day, explain="all").model_dump(mode="json")
        listed = {r["code"] for r in body["results"]}
        for name, entry in body["classification_reasons"].items():
            assert entry["value"] is body["classifications"][name]
            if entry["value"] is False:
                assert names_a_fact(entry["reasons"], words), (name, entry, profile)
        trials: dict[tuple[str, str], list[str]] = {}
        for item in body["not_applicable"]:
            assert item["code"] not in listed
            assert names_a_fact(item["reasons"], words), (item, profile)
            for flip in item["would_apply_if"]:
                trials.setdefault((flip["fact"], repr(flip["value"])), []).append(item["code"])
        for (fact, _), codes in trials.items():
            value = next(
                f["value"]
                for i in body["not_applicable"]
                if i["code"] == codes[0]
                for f in i["would_apply_if"]
                if f["fact"] == fact and repr(f["value"]) == _
            )
            changed = {**profile, fact: value}
            decision = evaluator.decide(changed, day)
            assert decision.disagreements() == []
            for code in codes:
                assert decision.durable_value("C", code) is True, (code, fact, value, profile)
                flipped_codes += 1
            checked += 1
    assert checked > 1_000 and flipped_codes > checked  # the walk really tried flips


def test_five_months_away_says_why_and_what_one_fact_would_change(
    evaluator: Evaluator,
) -> None:
    profile = {
        "sex": "female",
        "marital_status": "married",
        "husband_away": True,
        "husband_away_reason": "migrant_work",
        "husband_away_continuous_months": 5,
        "residence_area": "village",
    }
    body = evaluator.evaluate(profile, date(2025, 6, 1), explain="all").model_dump(mode="json")
    assert body["results"] == []
    left = body["classification_reasons"]["is_rural_left_behind_woman"]
    assert left == {
        "value": False,
        "reasons": ["丈夫连续外出月数（5）低于丈夫连续外出的最短月数（6）"],
    }
    first = body["not_applicable"][0]
    assert first["code"] == "ASSISTANCE_POLICY_INFO"
    assert first["would_apply_if"] == [{"fact": "husband_away_continuous_months", "value": 6}]
    assert first["reasons"] == [f"不属于农村留守妇女（{left['reasons'][0]}）"]
    assert first["citations"][0]["number"] == "民发〔2025〕7号"
    one_away = [n for n in body["not_applicable"] if n["would_apply_if"]]
    rest = body["not_applicable"][len(one_away) :]
    assert one_away and all(not n["would_apply_if"] for n in rest)


def test_a_code_not_yet_in_force_says_so(evaluator: Evaluator) -> None:
    profile = {
        "sex": "female",
        "marital_status": "married",
        "husband_away": True,
        "husband_away_reason": "business",
        "husband_away_continuous_months": 8,
        "residence_area": "xiang_seat",
    }
    body = evaluator.evaluate(profile, date(2025, 3, 26), explain="all").model_dump(mode="json")
    items = {n["code"]: n for n in body["not_applicable"]}
    assert items["LEGAL_PUBLICITY"]["reasons"] == [
        "评估日期（2025-03-26）不在本规定施行期间（2025-03-27起）"
    ]
    assert items["LEGAL_PUBLICITY"]["would_apply_if"] == []


def test_explaining_changes_nothing_else(evaluator: Evaluator, policy: Policy) -> None:
    rng = random.Random(7)
    for _ in range(200):
        profile: dict[str, Any] = random_profile(rng, policy)
        plain = evaluator.evaluate(profile, date(2025, 6, 1)).model_dump(mode="json")
        full = evaluator.evaluate(profile, date(2025, 6, 1), explain="all").model_dump(mode="json")
        assert set(full) - set(plain) == {"classification_reasons", "not_applicable"}
        assert {k: full[k] for k in plain} == plain
        assert set(full["classification_reasons"]) == set(plain["classifications"])
