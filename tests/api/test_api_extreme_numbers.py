"""Extreme numbers never crash the engine (issue 9, D10): beyond the profile's bounds they are
a 422 naming the field; inside them every value reaches durable_rules in a form it parses
(durable_rules refuses exponent forms such as 1e-07 or 1e+16)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Evaluator, ProfileError
from engine.profile import MONEY_MAX
from tests.api.conftest import AppClient
from tests.ledger.conftest import woman

MONEY = ("household_income_pc_monthly", "household_income_12m", "household_rigid_expenditure_12m")
COUNTS = ("age_years", "husband_away_continuous_months", "disability_grade")
BASE = woman(has_disability_certificate=True, disability_category="physical")

numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=0, max_value=MONEY_MAX * 2, allow_nan=False),
    st.floats(min_value=0, max_value=1e-3, allow_nan=False),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.integers(min_value=0, max_value=2000),
    st.sampled_from([0.00001, 1e-7, 5e-324, 1e15, 1e16, 1e308, 10**16, 10**30, 2**63, 2**64]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(MONEY + COUNTS), value=numbers)
def test_any_number_is_evaluated_or_refused_naming_its_field(
    evaluator: Evaluator, field: str, value: Any
) -> None:
    try:
        valid = evaluator.validate({**BASE, field: value})
    except ProfileError as refused:
        assert [e.field for e in refused.errors] == [field]
        return
    result = evaluator.evaluate(valid, as_of=date(2025, 6, 1))  # never a RulesRuntimeError
    assert result.policy_version.startswith("sha256:")


@pytest.mark.parametrize("value", [1e308, 10**30, 1e16, MONEY_MAX + 1])
def test_money_beyond_its_bound_is_a_422_naming_the_field(client: AppClient, value: Any) -> None:
    answer = client.post(
        "/v1/eligibility", json={"profile": {**BASE, "household_income_12m": value}}
    )
    assert answer.status_code == 422, answer.text
    assert [p["field"] for p in answer.json()["detail"]] == ["profile.household_income_12m"]


@pytest.mark.parametrize("value", [0.00001, 1e-7, 5e-324, 123.456789])
def test_tiny_and_long_amounts_are_kept_to_the_fen(client: AppClient, value: float) -> None:
    answer = client.post(
        "/v1/eligibility", json={"profile": {**BASE, "household_income_pc_monthly": value}}
    )
    assert answer.status_code == 200, answer.text
