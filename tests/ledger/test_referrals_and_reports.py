"""Referrals followed until a department closes them; lists, summary and the CSV export."""

from __future__ import annotations

import csv
import io

from tests.api.conftest import AppClient
from tests.ledger.conftest import DISABLED_LOW_INCOME, create, woman


def _civil(client: AppClient) -> str:
    body = create(client, DISABLED_LOW_INCOME)
    (referral,) = [r for r in body["referrals"] if r["department"] == "CIVIL_AFFAIRS"]
    return str(referral["id"])


def move(client: AppClient, referral_id: str, to: str, note: str | None = None) -> int:
    payload = {"to": to} if note is None else {"to": to, "note": note}
    return client.post(f"/v1/referrals/{referral_id}/transitions", json=payload).status_code


class TestTransitions:
    def test_a_referral_goes_from_open_to_completed_with_its_history(
        self, ledger_client: AppClient
    ) -> None:
        referral = _civil(ledger_client)
        for to in ("accepted", "in_progress", "completed"):
            assert move(ledger_client, referral, to, note=f"{to} 备注") == 200
        listed = ledger_client.get("/v1/referrals?department=CIVIL_AFFAIRS&status=completed")
        assert [r["id"] for r in listed.json()["items"]] == [referral]
        response = ledger_client.post(
            f"/v1/referrals/{referral}/transitions", json={"to": "accepted"}
        )
        assert response.status_code == 409
        assert response.json()["detail"]["status"] == "completed"

    def test_declining_needs_a_note_and_works_from_any_active_state(
        self, ledger_client: AppClient
    ) -> None:
        referral = _civil(ledger_client)
        assert move(ledger_client, referral, "accepted") == 200
        response = ledger_client.post(
            f"/v1/referrals/{referral}/transitions", json={"to": "declined"}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "note"
        assert move(ledger_client, referral, "declined", note="不属于本部门职责") == 200

    def test_withdrawing_is_only_possible_while_open(self, ledger_client: AppClient) -> None:
        first, second = _civil(ledger_client), _civil(ledger_client)
        assert move(ledger_client, first, "withdrawn") == 200
        assert move(ledger_client, second, "accepted") == 200
        assert move(ledger_client, second, "withdrawn") == 409

    def test_skipping_a_step_or_an_unknown_status_is_refused(
        self, ledger_client: AppClient
    ) -> None:
        referral = _civil(ledger_client)
        assert move(ledger_client, referral, "completed") == 409
        assert move(ledger_client, referral, "no_longer_indicated") == 422
        assert move(ledger_client, "nope", "accepted") == 404

    def test_a_completed_referral_is_not_reopened_by_the_next_review(
        self, ledger_client: AppClient
    ) -> None:
        body = create(ledger_client, DISABLED_LOW_INCOME)
        (civil,) = [r for r in body["referrals"] if r["department"] == "CIVIL_AFFAIRS"]
        for to in ("accepted", "in_progress", "completed"):
            move(ledger_client, civil["id"], to)
        ledger_client.post(f"/v1/cases/{body['id']}/reassess", json={"as_of": "2025-09-10"})
        detail = ledger_client.get(f"/v1/cases/{body['id']}").json()
        assert [r["status"] for r in detail["referrals"] if r["department"] == "CIVIL_AFFAIRS"] == [
            "completed"
        ]


class TestLists:
    def test_cases_filter_by_region_classification_code_and_page(
        self, ledger_client: AppClient
    ) -> None:
        create(ledger_client, DISABLED_LOW_INCOME)
        create(ledger_client, woman(age_years=30))
        create(ledger_client, woman(age_years=30, region_code="620102"))

        def total(query: str) -> int:
            return int(ledger_client.get(f"/v1/cases?{query}").json()["total"])

        assert total("") == 3
        assert total("region=430000") == 2
        assert total("region=430100") == 2
        assert total("region=620000") == 1
        assert total("region=110000") == 0
        assert total("classification=is_hardship_group") == 1
        assert total("code=DISABILITY_CARE_ALLOWANCE") == 1
        assert total("status=open") == 3
        page = ledger_client.get("/v1/cases?page=2&page_size=2").json()
        assert len(page["items"]) == 1 and page["total"] == 3
        assert ledger_client.get("/v1/cases?region=43").status_code == 422
        assert ledger_client.get("/v1/cases?page_size=0").status_code == 422

    def test_the_summary_counts_cases_codes_referrals_and_overdue_reviews(
        self, ledger_client: AppClient
    ) -> None:
        create(ledger_client, DISABLED_LOW_INCOME)
        create(ledger_client, woman(age_years=30))
        report = ledger_client.get("/v1/reports/summary?region=430000&on=2025-12-01").json()
        assert report["cases"] == {"total": 2, "open": 2}
        assert report["classifications"]["is_hardship_group"] == {"true": 1, "false": 1}
        assert report["codes"]["DISABILITY_CARE_ALLOWANCE"] == {"eligible": 1}
        assert report["referrals"]["CIVIL_AFFAIRS"] == {"open": 1}
        assert report["overdue_reviews"] == 1

    def test_the_csv_export_opens_in_excel_with_chinese_headers_and_masked_names(
        self, ledger_client: AppClient
    ) -> None:
        create(ledger_client, {**DISABLED_LOW_INCOME, "name": "欧阳娜娜"})
        response = ledger_client.get("/v1/ledger/export.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:4] == ["个案编号", "行政区划代码", "村", "姓名（脱敏）"]
        assert rows[1][3] == "欧**娜"
        assert "欧阳娜娜" not in response.content.decode("utf-8-sig")
        assert "重度残疾人护理补贴：符合条件" in rows[1][10]
        assert "民政部门：待接收" in rows[1][11]
        assert b"\r\n" in response.content
