"""Cases made through POST /v1/cases for the browser tests: an urgent domestic-violence case
(a referral to 公安机关) and a disabled low-income woman (民政; a review due), each with a
valid ID number."""

from __future__ import annotations

from typing import Any

from tests.id_numbers import womans
from tests.web.server import REGION, WebServer


def id_number(serial: int, born: str = "19800101") -> str:
    """A woman's resident ID of the test region (an even 17th digit) with its check digit."""
    return womans(REGION, born, serial)


def woman(**facts: Any) -> dict[str, Any]:
    """A rural left-behind woman of the test region, plus `facts`."""
    return {
        "sex": "female",
        "marital_status": "married",
        "husband_away": True,
        "husband_away_reason": "migrant_work",
        "husband_away_continuous_months": 12,
        "residence_area": "village",
        "region_code": REGION,
        "age_years": 45,
        **facts,
    }


VIOLENCE = woman(
    rights_infringed=True,
    domestic_violence_ongoing=True,
    infringement_types=["domestic_violence"],
)
DISABLED_LOW_INCOME = woman(
    household_income_pc_monthly=500,
    has_disability_certificate=True,
    disability_category="physical",
    disability_grade=2,
    needs_long_term_care=True,
)


def create_case(
    web: WebServer,
    profile: dict[str, Any],
    serial: int,
    *,
    name: str = "张小梅",
    village: str = "光明村",
    as_of: str | None = None,
) -> dict[str, Any]:
    """A case recorded by the caseworker; its body (id, referrals, next review)."""
    body: dict[str, Any] = {
        "profile": {**profile, "name": name, "id_number": id_number(serial)},
        "village": village,
    }
    if as_of:
        body["as_of"] = as_of
    made = web.api("POST", "/v1/cases", "caseworker", json=body)
    assert made.status_code == 201, made.text
    created: dict[str, Any] = made.json()
    return created


def referral_to(case: dict[str, Any], department: str) -> dict[str, Any]:
    """The case's referral to a department."""
    found: list[dict[str, Any]] = [r for r in case["referrals"] if r["department"] == department]
    assert len(found) == 1, found
    return found[0]
