"""A case whose stated sex its ID number's 17th digit contradicts (GB 11643: odd a man, even a
woman) is neither created nor updated: a 422 naming `profile.sex`, nothing stored, the number
never repeated — on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import AppClient
from tests.id_numbers import mans
from tests.ledger.conftest import create, id_number, woman

SEX_CONTRADICTS_ID = {
    "field": "profile.sex",
    "zh": "与身份证号（第17位）所示的性别不一致",
    "en": "contradicts the sex shown by the ID number (its 17th digit)",
}


def put(client: AppClient, case_id: str, profile: dict[str, Any], version: int) -> Any:
    return client.request(
        "PUT",
        f"/v1/cases/{case_id}/profile",
        json={"profile": profile, "as_of": "2025-07-01"},
        headers={"If-Match": str(version)},
    )


def refused(response: Any, *numbers: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json() == {"error": "validation_error", "detail": [SEX_CONTRADICTS_ID]}
    for number in numbers:
        assert number not in response.text and number[-4:] not in response.text


def test_a_case_whose_stated_sex_the_id_number_contradicts_is_not_created(
    ledger_client: AppClient,
) -> None:
    his = mans("430121", "19800101", 31)
    hers = id_number(31)
    for profile in (woman(id_number=his), woman(id_number=hers, sex="male")):
        response = ledger_client.post(
            "/v1/cases", json={"profile": profile, "village": "光明村", "as_of": "2025-06-01"}
        )
        refused(response, his, hers)
    assert ledger_client.get("/v1/cases").json()["total"] == 0  # nothing half-stored
    made = create(ledger_client, woman(id_number=his, sex="male"))  # agreeing: a case
    assert made["version"] == 1


def test_an_update_whose_stated_sex_the_id_number_contradicts_is_refused(
    ledger_client: AppClient,
) -> None:
    hers = id_number(32)
    body = create(ledger_client, woman(id_number=hers, age_years=40))
    his = mans("430121", "19800101", 32)
    refused(put(ledger_client, body["id"], woman(id_number=hers, sex="male"), 1), hers)
    refused(put(ledger_client, body["id"], woman(id_number=his, age_years=41), 1), his)
    detail = ledger_client.get(f"/v1/cases/{body['id']}").json()
    assert detail["version"] == 1 and len(detail["assessments"]) == 1
    assert detail["identity"]["id_last4"] == hers[-4:]
    unstated = {k: v for k, v in woman(id_number=hers, age_years=41).items() if k != "sex"}
    updated = put(ledger_client, body["id"], unstated, 1)  # no sex stated: the number's
    assert updated.status_code == 200, updated.text
    after = ledger_client.get(f"/v1/cases/{body['id']}").json()
    assert after["version"] == 2 and after["profile"]["sex"] == "female"


def test_an_update_without_the_id_number_is_held_to_the_recorded_ones_sex(
    ledger_client: AppClient,
) -> None:
    """Identity is write-only: the profile read back has no ID number, but the case keeps its
    last four characters, whose third is the 17th digit."""
    his = mans("430121", "19800101", 33)
    body = create(ledger_client, woman(id_number=his, sex="male", age_years=40))
    read_back = ledger_client.get(f"/v1/cases/{body['id']}").json()["profile"]
    assert "id_number" not in read_back and read_back["sex"] == "male"
    refused(put(ledger_client, body["id"], {**read_back, "sex": "female"}, 1), his)
    assert ledger_client.get(f"/v1/cases/{body['id']}").json()["version"] == 1
    unstated = {k: v for k, v in read_back.items() if k != "sex"}
    assert put(ledger_client, body["id"], unstated, 1).status_code == 200
    after = ledger_client.get(f"/v1/cases/{body['id']}").json()
    assert after["version"] == 2 and after["profile"]["sex"] == "male"  # the number's
    again = put(ledger_client, body["id"], {**read_back, "age_years": 41}, 2)
    assert again.status_code == 200, again.text


def test_a_case_without_an_id_number_may_change_its_stated_sex(ledger_client: AppClient) -> None:
    body = create(ledger_client, woman(age_years=40))
    assert put(ledger_client, body["id"], woman(age_years=40, sex="male"), 1).status_code == 200
