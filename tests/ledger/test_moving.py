"""A case moving to another region takes its referrals along (issue 9, D5)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import AppClient
from tests.ledger.conftest import create, woman

VIOLENCE = woman(
    age_years=40,
    rights_infringed=True,
    infringement_types=["domestic_violence"],
    domestic_violence_ongoing=True,
)


def _token(client: AppClient, name: str, region: str) -> dict[str, str]:
    made = client.post(
        "/v1/tokens",
        json={"name": name, "role": "department", "region": region, "department": "POLICE"},
    )
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


def _police_queue(client: AppClient, headers: dict[str, str]) -> list[Any]:
    listed = client.get("/v1/referrals", headers=headers)
    assert listed.status_code == 200
    items: list[Any] = listed.json()["items"]
    return items


def test_referrals_follow_their_case_to_a_new_region(ledger_client: AppClient) -> None:
    old_police = _token(ledger_client, "长沙县公安", "430121")
    new_police = _token(ledger_client, "兰州公安", "620100")
    made = create(ledger_client, VIOLENCE)
    (urgent,) = [r for r in made["referrals"] if r["department"] == "POLICE"]
    assert [r["id"] for r in _police_queue(ledger_client, old_police)] == [urgent["id"]]

    moved = ledger_client.request(
        "PUT",
        f"/v1/cases/{made['id']}/profile",
        json={"profile": {**VIOLENCE, "region_code": "620102"}, "as_of": "2025-07-01"},
        headers={"If-Match": "1"},
    )
    assert moved.status_code == 200, moved.text

    assert _police_queue(ledger_client, old_police) == []
    queue = _police_queue(ledger_client, new_police)
    assert [(r["id"], r["region_code"]) for r in queue] == [(urgent["id"], "620102")]
    url = f"/v1/referrals/{urgent['id']}/transitions"
    stale = ledger_client.post(url, json={"to": "accepted"}, headers=old_police)
    assert stale.status_code == 404
    accepted = ledger_client.post(url, json={"to": "accepted"}, headers=new_police)
    assert accepted.status_code == 200, accepted.text
    detail = ledger_client.get(f"/v1/cases/{made['id']}").json()
    assert {r["region_code"] for r in detail["referrals"]} == {"620102"}
