"""The ledger records `outside_programme` with the assessment, and department inboxes show
its referrals like any other (docs/contract.md §3a)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import AppClient
from tests.ledger.conftest import create, id_number

# Divorced, disabled, in a 低保 household: outside the programme, inside national law.
DIVORCED: dict[str, Any] = {
    "sex": "female",
    "marital_status": "divorced",
    "residence_area": "village",
    "region_code": "430121",
    "age_years": 70,
    "dibao_recipient": True,
    "has_disability_certificate": True,
    "disability_category": "physical",
    "disability_grade": 3,
}


def test_an_outside_referral_reaches_the_department_and_the_receipt_keeps_it(
    ledger_client: AppClient,
) -> None:
    body = create(ledger_client, {**DIVORCED, "id_number": id_number(501, "19550101")})
    civil = [r for r in body["referrals"] if r["department"] == "CIVIL_AFFAIRS"]
    assert len(civil) == 1 and "DISABILITY_LIVING_ALLOWANCE" in civil[0]["codes"]
    inbox = ledger_client.get("/v1/referrals?department=CIVIL_AFFAIRS").json()["items"]
    assert civil[0]["id"] in [r["id"] for r in inbox]
    case = ledger_client.get(f"/v1/cases/{body['id']}").json()
    receipt = case["assessments"][-1]["result"]
    assert receipt["results"] == []
    beyond = {item["code"]: item["status"] for item in receipt["outside_programme"]}
    assert beyond["DISABILITY_LIVING_ALLOWANCE"] == "eligible"
    assert any(r["outside_programme"] for r in receipt["referrals"])
    found = ledger_client.get("/v1/cases?code=DISABILITY_LIVING_ALLOWANCE").json()["items"]
    assert body["id"] in [c["id"] for c in found]


def test_one_referral_per_department_when_the_programme_and_the_law_both_name_it(
    ledger_client: AppClient,
) -> None:
    profile = {**DIVORCED, "sudden_hardship_event": True, "id_number": id_number(502, "19550101")}
    body = create(ledger_client, profile)
    civil = [r for r in body["referrals"] if r["department"] == "CIVIL_AFFAIRS"]
    assert len(civil) == 1, body["referrals"]
    assert {"TEMPORARY_ASSISTANCE", "DISABILITY_LIVING_ALLOWANCE"} <= set(civil[0]["codes"])
    assert civil[0]["urgent"] is True
