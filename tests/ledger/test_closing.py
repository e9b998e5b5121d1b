"""A closed case refuses changes until reopened; closing and reopening need a reason and are
audited (issue 9, D7)."""

from __future__ import annotations

from tests.api.conftest import AppClient
from tests.ledger.conftest import DISABLED_LOW_INCOME, create, woman

VIOLENCE = woman(
    age_years=40,
    rights_infringed=True,
    infringement_types=["domestic_violence"],
    domestic_violence_ongoing=True,
)


def test_closing_needs_a_reason(ledger_client: AppClient) -> None:
    case_id = create(ledger_client, DISABLED_LOW_INCOME)["id"]
    for body in ({}, {"note": ""}):
        refused = ledger_client.post(f"/v1/cases/{case_id}/close", json=body)
        assert refused.status_code == 422, refused.text
        assert [p["field"] for p in refused.json()["detail"]] == ["note"]
    blank = ledger_client.post(f"/v1/cases/{case_id}/close", json={"note": "   "})
    assert blank.status_code == 422 and blank.json()["detail"][0]["field"] == "note"
    assert ledger_client.get(f"/v1/cases/{case_id}").json()["status"] == "open"


def test_a_closed_case_refuses_updates_and_reassessments_until_reopened(
    ledger_client: AppClient,
) -> None:
    case_id = create(ledger_client, woman(age_years=40))["id"]
    closed = ledger_client.post(f"/v1/cases/{case_id}/close", json={"note": "迁出本县"})
    assert closed.status_code == 200
    update = ledger_client.request(
        "PUT",
        f"/v1/cases/{case_id}/profile",
        json={"profile": VIOLENCE, "as_of": "2025-07-01"},
        headers={"If-Match": "1"},
    )
    assert update.status_code == 409, update.text
    assert update.json()["error"] == "conflict" and update.json()["detail"]["status"] == "closed"
    again = ledger_client.post(f"/v1/cases/{case_id}/reassess", json={"as_of": "2025-07-01"})
    assert again.status_code == 409
    detail = ledger_client.get(f"/v1/cases/{case_id}").json()
    assert detail["version"] == 1 and len(detail["assessments"]) == 1
    assert not [r for r in detail["referrals"] if r["status"] == "open"]  # none opened
    assert ledger_client.get("/v1/referrals?department=POLICE").json()["total"] == 0

    assert ledger_client.post(f"/v1/cases/{case_id}/reopen", json={}).status_code == 422
    reopened = ledger_client.post(f"/v1/cases/{case_id}/reopen", json={"note": "迁回本村"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert ledger_client.post(
        f"/v1/cases/{case_id}/reopen", json={"note": "再开"}
    ).status_code == 409  # fmt: skip
    update = ledger_client.request(
        "PUT",
        f"/v1/cases/{case_id}/profile",
        json={"profile": VIOLENCE, "as_of": "2025-07-01"},
        headers={"If-Match": "1"},
    )
    assert update.status_code == 200, update.text
    assert ledger_client.get("/v1/referrals?department=POLICE").json()["total"] == 1
    actions = [
        e["action"] for e in ledger_client.get(f"/v1/audit?case_id={case_id}").json()["items"]
    ]
    assert {"case_closed", "case_reopened", "profile_updated"} <= set(actions)
