"""A ledger app per backend (SQLite file, PostgreSQL database) and a few women to record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.main import create_app
from api.settings import Settings
from tests.api.conftest import AppClient
from tests.conftest import REGIONS
from tests.id_numbers import womans

SECRET = "test-identity-secret-0123456789abcdef"


def woman(**facts: Any) -> dict[str, Any]:
    """A rural left-behind woman in 长沙县 (430121), husband away a year, plus `facts`."""
    return {
        "sex": "female",
        "marital_status": "married",
        "husband_away": True,
        "husband_away_reason": "migrant_work",
        "husband_away_continuous_months": 12,
        "residence_area": "village",
        "region_code": "430121",
        **facts,
    }


def id_number(serial: int, born: str = "19800101") -> str:
    """A woman's valid resident ID for 长沙县 (an even 17th digit, check digit computed)."""
    return womans("430121", born, serial)


# 残疾二级、需要长期照护、低收入: a hardship case with referrals to 民政 (and 卫健 by age)
DISABLED_LOW_INCOME = woman(
    age_years=45,
    household_income_pc_monthly=500,
    has_disability_certificate=True,
    disability_category="physical",
    disability_grade=2,
    needs_long_term_care=True,
)


@pytest.fixture
def ledger_client(database_url: str) -> Iterator[AppClient]:
    """The app on a fresh ledger database, with the test regions' parameters."""
    settings = Settings(database_url=database_url, policy_paths=[REGIONS], identity_secret=SECRET)
    with AppClient(create_app(settings)) as client:
        yield client


def create(client: AppClient, profile: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POST /v1/cases and return the body (asserting 201)."""
    body = {"profile": profile, "village": "光明村", "as_of": "2025-06-01", **kwargs}
    response = client.post("/v1/cases", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
