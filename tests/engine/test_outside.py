"""Beyond the programme (contract §3a): the national-law codes for a woman who is not, or not
known to be, a rural left-behind woman — divorced, widowed, urban, under review."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine import Evaluator, Policy
from engine.expr import references
from engine.outside import DEFINITION_FACTS, law_rules
from engine.vocabulary import LEFT_BEHIND

DAY = date(2025, 6, 1)
# 甘肃（测试）620102 sets a 低保 standard of 550 (tests/fixtures/regions).
BASE: dict[str, Any] = {
    "sex": "female",
    "age_years": 52,
    "region_code": "620102",
    "has_disability_certificate": True,
    "disability_category": "physical",
    "disability_grade": 2,
    "needs_long_term_care": True,
    "dibao_recipient": True,
    "has_legal_matter": True,
    "legal_matter_types": ["maintenance_support"],
    "has_fixed_living_source": False,
}
WOMEN: dict[str, dict[str, Any]] = {
    "divorced": {"marital_status": "divorced", "residence_area": "village"},
    "widowed": {"marital_status": "widowed", "residence_area": "village"},
    "urban": {
        "marital_status": "married",
        "husband_away": True,
        "husband_away_reason": "migrant_work",
        "husband_away_continuous_months": 12,
        "residence_area": "urban",
    },
    "under_review": {
        "marital_status": "married",
        "husband_away": True,
        "husband_away_reason": "other",
        "husband_away_continuous_months": 12,
        "residence_area": "village",
    },
}


def evaluate(evaluator: Evaluator, **facts: Any) -> dict[str, Any]:
    result = evaluator.evaluate({**BASE, **facts}, DAY)
    return result.model_dump(mode="json")


@pytest.mark.parametrize("who", list(WOMEN))
def test_a_woman_outside_the_programme_keeps_her_national_law_rights(
    evaluator: Evaluator, who: str
) -> None:
    body = evaluate(evaluator, **WOMEN[who])
    left_behind = body["classifications"][LEFT_BEHIND]
    assert left_behind is (None if who == "under_review" else False)
    beyond = {item["code"]: item for item in body["outside_programme"]}
    assert beyond["DISABILITY_LIVING_ALLOWANCE"]["status"] == "eligible"
    assert beyond["DISABILITY_CARE_ALLOWANCE"]["status"] == "eligible"
    assert beyond["LEGAL_AID"]["status"] == "eligible"  # waived (低保), 第31条 matter
    assert beyond["LEGAL_AID_MEANS_TEST_WAIVED"]["status"] == "info"
    assert beyond["TWO_CANCER_SCREENING"]["status"] == "eligible"
    who_zh = "不属于本方案对象" if left_behind is False else "尚不能确定是否属于本方案对象"
    allowance = beyond["DISABILITY_LIVING_ALLOWANCE"]["reasons"]
    assert allowance[0] == (
        f"{who_zh}，但依据《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》仍可申请"
    )
    assert not any("农村留守妇女" in r for r in allowance[1:]), allowance
    # only national law: nothing the programme itself gives (doc, judgement)
    assert {item["basis"] for item in body["outside_programme"]} == {"law"}
    assert "LEGAL_AID_HOME_OR_APPOINTMENT" not in beyond  # basis doc
    assert not set(beyond) & {r["code"] for r in body["results"]}
    marked = {r["department"]: r["codes"] for r in body["referrals"] if r["outside_programme"]}
    assert "DISABILITY_LIVING_ALLOWANCE" in marked["CIVIL_AFFAIRS"]
    assert "LEGAL_AID" in marked["JUSTICE"]
    assert "TWO_CANCER_SCREENING" in marked["HEALTH"]


def test_the_under_review_woman_still_gets_her_review(evaluator: Evaluator) -> None:
    body = evaluate(evaluator, **WOMEN["under_review"])
    assert [r["fact"] for r in body["reviews"]] == ["husband_away_reason"]
    assert "husband_away_reason" not in [q["fact"] for q in body["questions"]]


def test_a_rural_left_behind_woman_has_nothing_outside(evaluator: Evaluator) -> None:
    left_behind = {**WOMEN["under_review"], "husband_away_reason": "migrant_work"}
    body = evaluate(evaluator, **left_behind)
    assert body["classifications"][LEFT_BEHIND] is True
    assert body["outside_programme"] == []
    assert not any(r["outside_programme"] for r in body["referrals"])


def test_a_man_has_nothing_outside(evaluator: Evaluator) -> None:
    body = evaluate(evaluator, sex="male", marital_status="married")
    assert body["outside_programme"] == []


def test_a_code_in_the_results_is_not_repeated_outside(evaluator: Evaluator) -> None:
    body = evaluate(evaluator, **WOMEN["divorced"], domestic_violence_ongoing=True)
    listed = {r["code"] for r in body["results"]}
    assert {"URGENT_DV_POLICE", "LEGAL_AID"} <= listed
    assert not listed & {item["code"] for item in body["outside_programme"]}


def test_outside_codes_missing_a_fact_are_asked(evaluator: Evaluator) -> None:
    body = evaluate(evaluator, **WOMEN["divorced"], needs_long_term_care=None)
    beyond = {item["code"]: item for item in body["outside_programme"]}
    assert beyond["DISABILITY_CARE_ALLOWANCE"]["status"] == "needs_info"
    asked = {q["fact"]: q["would_decide"] for q in body["questions"]}
    assert "DISABILITY_CARE_ALLOWANCE" in asked["needs_long_term_care"]


def test_no_law_code_reads_the_definition_facts_except_through_the_classification(
    policy: Policy,
) -> None:
    """What makes running durable_rules on the substituted profile sound (engine/outside.py)."""
    for code, rule in law_rules(policy.code_rules).items():
        facts = references(rule.when)[0]
        if rule.eligible_when is not None:
            facts |= references(rule.eligible_when)[0]
        assert not facts & set(DEFINITION_FACTS), (code, facts & set(DEFINITION_FACTS))
    for name, rule in policy.classification_rules.items():
        if name != LEFT_BEHIND:
            assert not references(rule.when)[0] & set(DEFINITION_FACTS), name
