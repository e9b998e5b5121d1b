"""Cases: recorded with an immutable assessment, updated with If-Match, never deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tests.api.conftest import AppClient
from tests.ledger.conftest import DISABLED_LOW_INCOME, create, id_number, woman


def put(
    client: AppClient,
    case_id: str,
    profile: dict[str, Any],
    version: int | None,
    as_of: str = "2025-07-01",
) -> Any:
    headers = {} if version is None else {"If-Match": str(version)}
    return client.request(
        "PUT",
        f"/v1/cases/{case_id}/profile",
        json={"profile": profile, "as_of": as_of},
        headers=headers,
    )


class TestCreating:
    def test_a_new_case_returns_its_assessment_referrals_and_next_review(
        self, ledger_client: AppClient
    ) -> None:
        body = create(ledger_client, DISABLED_LOW_INCOME)
        assert body["version"] == 1
        assert body["assessment"]["as_of"] == "2025-06-01"
        statuses = {r["code"]: r["status"] for r in body["assessment"]["results"]}
        assert statuses["DISABILITY_CARE_ALLOWANCE"] == "eligible"
        assert statuses["LEDGER_ENTRY"] == "obligation"
        (civil,) = [r for r in body["referrals"] if r["department"] == "CIVIL_AFFAIRS"]
        assert civil["status"] == "open" and "DISABILITY_CARE_ALLOWANCE" in civil["codes"]
        assert {r["department"] for r in body["referrals"]} == {
            r["department"] for r in body["assessment"]["referrals"]
        }
        # 长沙市 (430100) shortens the review interval to 3 months
        assert body["next_review_due"] == "2025-09-01"

    def test_a_woman_outside_the_hardship_group_has_no_review_date(
        self, ledger_client: AppClient
    ) -> None:
        body = create(ledger_client, woman(age_years=30))
        assert body["next_review_due"] is None

    def test_an_idempotency_key_makes_a_retry_return_the_same_case(
        self, ledger_client: AppClient
    ) -> None:
        payload = {"profile": woman(age_years=40), "village": "光明村", "as_of": "2025-06-01"}
        first = ledger_client.post("/v1/cases", json=payload, headers={"Idempotency-Key": "a-1"})
        again = ledger_client.post("/v1/cases", json=payload, headers={"Idempotency-Key": "a-1"})
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["Idempotent-Replayed"] == "true"
        assert ledger_client.get("/v1/cases").json()["total"] == 1

    def test_an_idempotency_key_reused_for_another_request_is_a_409(
        self, ledger_client: AppClient
    ) -> None:
        first = {"profile": woman(age_years=40), "village": "光明村", "as_of": "2025-06-01"}
        other = {**first, "profile": woman(age_years=41)}
        made = ledger_client.post("/v1/cases", json=first, headers={"Idempotency-Key": "b-1"})
        reused = ledger_client.post("/v1/cases", json=other, headers={"Idempotency-Key": "b-1"})
        assert reused.status_code == 409
        assert reused.json()["detail"]["case_id"] == made.json()["id"]
        assert ledger_client.get("/v1/cases").json()["total"] == 1

    def test_the_same_id_number_twice_is_a_409_naming_the_existing_case(
        self, ledger_client: AppClient
    ) -> None:
        first = create(ledger_client, woman(id_number=id_number(1), name="李秀兰"))
        response = ledger_client.post(
            "/v1/cases",
            json={"profile": woman(id_number=id_number(1)), "village": "红星村"},
        )
        assert response.status_code == 409
        assert response.json()["error"] == "conflict"
        assert response.json()["detail"]["case_id"] == first["id"]

    def test_bad_requests_name_the_field(self, ledger_client: AppClient) -> None:
        no_village = ledger_client.post("/v1/cases", json={"profile": woman()})
        assert no_village.status_code == 422
        assert [p["field"] for p in no_village.json()["detail"]] == ["village"]
        bad_profile = ledger_client.post(
            "/v1/cases", json={"profile": woman(age_years="40"), "village": "光明村"}
        )
        assert bad_profile.status_code == 422
        assert bad_profile.json()["detail"][0]["field"] == "profile.age_years"
        assert ledger_client.get("/v1/cases").json()["total"] == 0  # nothing half-stored


class TestIdentity:
    def test_identity_is_masked_in_lists_and_details_and_absent_from_assessments(
        self, ledger_client: AppClient
    ) -> None:
        number = id_number(7)
        body = create(ledger_client, woman(name="张小梅", id_number=number))
        listed = ledger_client.get("/v1/cases").json()["items"][0]
        detail = ledger_client.get(f"/v1/cases/{body['id']}").json()
        assert listed["identity"] == {"name": "张*梅", "id_last4": number[-4:]}
        assert detail["identity"] == listed["identity"]
        for payload in (body, listed, detail):
            assert "张小梅" not in str(payload) and number not in str(payload)

    def test_the_database_holds_no_id_number_and_the_name_only_on_the_case(
        self, ledger_client: AppClient
    ) -> None:
        number = id_number(8)
        create(ledger_client, woman(name="张小梅", id_number=number))
        ledger = ledger_client.app.state.ledger
        with Session(ledger.engine) as session:
            for table in (
                "profile_versions",
                "assessments",
                "events",
                "referrals",
                "referral_events",
                "case_codes",
                "case_classifications",
            ):
                rows = session.execute(text(f"SELECT * FROM {table}")).all()
                assert number not in str(rows) and "张小梅" not in str(rows), table
            cases = str(session.execute(text("SELECT * FROM cases")).all())
            assert number not in cases


class TestUpdating:
    def test_an_update_shows_codes_gained_lost_and_changed_and_moves_referrals(
        self, ledger_client: AppClient
    ) -> None:
        body = create(ledger_client, DISABLED_LOW_INCOME)
        richer = {
            **DISABLED_LOW_INCOME,
            "household_income_pc_monthly": 3000,
            "domestic_violence_ongoing": True,
        }
        response = put(ledger_client, body["id"], richer, version=1)
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["version"] == 2
        assert "REFER_DIBAO" in updated["changes"]["lost"]
        assert "URGENT_DV_POLICE" in updated["changes"]["gained"]
        police = [r for r in updated["referrals"] if r["department"] == "POLICE"]
        assert police and police[0]["status"] == "open" and police[0]["urgent"] is True
        assert response.headers["ETag"] == '"2"'

    def test_referrals_no_longer_indicated_are_marked_not_dropped(
        self, ledger_client: AppClient
    ) -> None:
        body = create(ledger_client, woman(age_years=40))  # 两癌筛查 → 卫生健康部门
        health = [r for r in body["referrals"] if r["department"] == "HEALTH"]
        assert health
        response = put(ledger_client, body["id"], woman(age_years=40, sex="male"), version=1)
        assert response.status_code == 200
        detail = ledger_client.get(f"/v1/cases/{body['id']}").json()
        (referral,) = [r for r in detail["referrals"] if r["id"] == health[0]["id"]]
        assert referral["status"] == "no_longer_indicated"
        assert [h["to"] for h in referral["history"]] == ["open", "no_longer_indicated"]

    def test_a_stale_if_match_is_412_and_a_missing_one_428(self, ledger_client: AppClient) -> None:
        body = create(ledger_client, woman(age_years=40))
        assert put(ledger_client, body["id"], woman(age_years=41), version=1).status_code == 200
        stale = put(ledger_client, body["id"], woman(age_years=42), version=1)
        assert stale.status_code == 412
        assert stale.json()["detail"]["version"] == 2
        assert put(ledger_client, body["id"], woman(age_years=42), version=None).status_code == 428
        bad = ledger_client.request(
            "PUT",
            f"/v1/cases/{body['id']}/profile",
            json={"profile": woman()},
            headers={"If-Match": "one"},
        )
        assert bad.status_code == 422

    def test_every_version_and_assessment_is_kept(self, ledger_client: AppClient) -> None:
        body = create(ledger_client, woman(age_years=40))
        put(ledger_client, body["id"], woman(age_years=41), version=1)
        put(ledger_client, body["id"], woman(age_years=42), version=2)
        detail = ledger_client.get(f"/v1/cases/{body['id']}").json()
        assert detail["version"] == 3
        assert [a["profile_version"] for a in detail["assessments"]] == [1, 2, 3]
        assert [a["reason"] for a in detail["assessments"]] == ["create", "update", "update"]
        assert detail["profile"]["age_years"] == 42
        first = detail["assessments"][0]["result"]
        assert first["policy_version"].startswith("sha256:")

    def test_identity_left_out_of_an_update_is_kept(self, ledger_client: AppClient) -> None:
        born_1980 = id_number(9, born="19800601")
        body = create(ledger_client, woman(name="刘芳", id_number=born_1980))
        detail = ledger_client.get(f"/v1/cases/{body['id']}").json()
        response = put(ledger_client, body["id"], detail["profile"], version=1)
        assert response.status_code == 200
        screening = [
            r
            for r in response.json()["assessment"]["results"]
            if r["code"] == "TWO_CANCER_SCREENING"
        ]
        assert screening and screening[0]["status"] == "eligible"  # age 45 still known
        assert (
            ledger_client.get(f"/v1/cases/{body['id']}").json()["identity"]["id_last4"]
            == (born_1980[-4:])
        )

    def test_unknown_cases_are_404(self, ledger_client: AppClient) -> None:
        assert ledger_client.get("/v1/cases/nope").status_code == 404
        assert put(ledger_client, "nope", woman(), version=1).status_code == 404
        assert ledger_client.post("/v1/cases/nope/reassess", json={}).status_code == 404


class TestReviewAndClosing:
    def test_reassessment_moves_the_review_date_and_keeps_a_receipt(
        self, ledger_client: AppClient
    ) -> None:
        body = create(ledger_client, DISABLED_LOW_INCOME)
        due = ledger_client.get("/v1/ledger/due-for-review?on=2025-09-10").json()
        assert [(c["id"], c["days_overdue"]) for c in due["items"]] == [(body["id"], 9)]
        reassessed = ledger_client.post(
            f"/v1/cases/{body['id']}/reassess", json={"as_of": "2025-09-10"}
        )
        assert reassessed.status_code == 200
        assert reassessed.json()["next_review_due"] == "2025-12-10"
        assert ledger_client.get("/v1/ledger/due-for-review?on=2025-09-10").json()["total"] == 0
        detail = ledger_client.get(f"/v1/cases/{body['id']}").json()
        assert [a["reason"] for a in detail["assessments"]] == ["create", "reassess"]
        assert detail["version"] == 1  # the profile did not change

    def test_a_closed_case_stays_in_the_ledger_and_its_open_referrals_are_withdrawn(
        self, ledger_client: AppClient
    ) -> None:
        body = create(ledger_client, DISABLED_LOW_INCOME)
        closed = ledger_client.post(f"/v1/cases/{body['id']}/close", json={"note": "迁出本县"})
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        again = ledger_client.post(f"/v1/cases/{body['id']}/close", json={"note": "再关"})
        assert again.status_code == 409
        detail = ledger_client.get(f"/v1/cases/{body['id']}").json()
        assert {r["status"] for r in detail["referrals"]} == {"withdrawn"}
        assert ledger_client.get("/v1/cases?status=closed").json()["total"] == 1
        assert ledger_client.get("/v1/ledger/due-for-review?on=2026-01-01").json()["total"] == 0
