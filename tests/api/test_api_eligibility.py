"""POST /v1/eligibility in process: the docs/contract.md §3 result, dates, regions, identity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from engine import Evaluator, load_policy
from tests.api.conftest import (
    SENTINEL_ID,
    SENTINEL_NAME,
    AppClient,
    id_number,
    left_behind_woman,
    result_of,
)
from tests.id_numbers import mans

RESULT_KEYS = {
    "as_of", "policy_version", "region", "classifications", "results", "referrals",
    "questions", "reviews", "missing_parameters", "outside_programme",
}  # fmt: skip
EXPLAINED_KEYS = RESULT_KEYS | {"classification_reasons", "not_applicable"}
CODE_RESULT_KEYS = {
    "code", "status", "name", "category", "kind", "departments", "basis", "rule", "citations",
    "reasons", "missing_facts", "outputs",
}  # fmt: skip
REFERRED = {"urgent", "choose_higher", "eligible", "refer_for_assessment", "obligation"}


def evaluate(
    client: AppClient, profile: dict[str, Any], as_of: str | None = "2025-06-01"
) -> dict[str, Any]:
    """The 200 answer for `profile` on `as_of`."""
    body: dict[str, Any] = {"profile": profile}
    if as_of is not None:
        body["as_of"] = as_of
    response = client.post("/v1/eligibility", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    data: dict[str, Any] = response.json()
    return data


class TestResultShape:
    def test_a_result_has_exactly_the_spec_keys(self, client: AppClient) -> None:
        body = evaluate(client, left_behind_woman())
        assert set(body) == RESULT_KEYS
        assert body["as_of"] == "2025-06-01"
        assert body["policy_version"].startswith("sha256:")
        assert body["region"] == {
            "code": "430121", "chain": ["430121", "430100", "430000", "national"],
        }  # fmt: skip
        assert body["classifications"]["is_rural_left_behind_woman"] is True
        assert body["results"], "a left-behind woman is entitled to something"
        for result in body["results"]:
            assert set(result) == CODE_RESULT_KEYS
            assert set(result["name"]) == {"zh", "en"}
            assert set(result["departments"]) == {"lead", "support"}
        for referral in body["referrals"]:
            assert set(referral) == {"department", "name", "codes", "urgent", "outside_programme"}
            assert referral["outside_programme"] is False
        assert body["outside_programme"] == []

    def test_the_api_prints_what_the_engine_computes(
        self, client: AppClient, regional_dir: Path
    ) -> None:
        profile = left_behind_woman(has_disability_certificate=True, disability_grade=2)
        expected = Evaluator(load_policy(extra_dirs=[regional_dir]))
        try:
            want = expected.evaluate(profile, as_of=dt.date(2025, 6, 1)).model_dump(mode="json")
        finally:
            expected.close()
        assert evaluate(client, profile) == want

    def test_as_of_defaults_to_today(self, client: AppClient) -> None:
        before = dt.date.today().isoformat()
        body = evaluate(client, left_behind_woman(), as_of=None)
        assert body["as_of"] in {before, dt.date.today().isoformat()}

    def test_null_as_of_means_today(self, client: AppClient) -> None:
        before = dt.date.today().isoformat()
        response = client.post("/v1/eligibility", json={"profile": {}, "as_of": None})
        assert response.status_code == 200
        assert response.json()["as_of"] in {before, dt.date.today().isoformat()}

    def test_an_empty_profile_is_evaluated_and_asks_questions(self, client: AppClient) -> None:
        body = evaluate(client, {})
        assert body["classifications"]["is_rural_left_behind_woman"] is None
        assert body["region"] == {"code": None, "chain": ["national"]}
        asked = {q["fact"] for q in body["questions"]}
        assert {"sex", "marital_status"} <= asked


class TestIdentityIsNeverEchoed:
    def test_name_id_number_and_birth_date_are_absent_from_the_result(
        self, client: AppClient
    ) -> None:
        profile = left_behind_woman(
            name=SENTINEL_NAME, id_number=SENTINEL_ID, birth_date="1983-09-17", age_years=None
        )
        response = client.post("/v1/eligibility", json={"profile": profile, "as_of": "2025-06-01"})
        assert response.status_code == 200
        for value in (SENTINEL_NAME, SENTINEL_ID, "1983-09-17", "19830917"):
            assert value not in response.text
        assert "id_number" not in response.text and "birth_date" not in response.text

    def test_age_is_derived_from_the_id_number(self, client: AppClient) -> None:
        # born 1983-09-17: 41 on 2025-06-01 → inside the 35–64 screening ages
        screened = evaluate(client, left_behind_woman(age_years=None, id_number=SENTINEL_ID))
        assert result_of(screened, "TWO_CANCER_SCREENING") is not None
        # born 2000-01-01: 25 → outside
        young = left_behind_woman(age_years=None, id_number=id_number("20000101"))
        assert result_of(evaluate(client, young), "TWO_CANCER_SCREENING") is None


class TestRegionalParameters:
    """POLICY_PATHS adds 湖南 430000: 低保标准 600 from 2025-01-01."""

    def test_a_regional_dibao_standard_refers_her_to_dibao(self, client: AppClient) -> None:
        body = evaluate(client, left_behind_woman())
        dibao = result_of(body, "REFER_DIBAO")
        assert dibao is not None and dibao["status"] == "refer_for_assessment"
        assert "dibao_standard_monthly" not in body["missing_parameters"]
        civil = [r for r in body["referrals"] if r["department"] == "CIVIL_AFFAIRS"]
        assert civil and "REFER_DIBAO" in civil[0]["codes"]

    def test_without_the_regional_file_the_standard_is_missing(
        self, national_client: AppClient
    ) -> None:
        body = evaluate(national_client, left_behind_woman())
        dibao = result_of(body, "REFER_DIBAO")
        assert dibao is None or dibao["status"] not in REFERRED
        assert "dibao_standard_monthly" in body["missing_parameters"]
        assert all("REFER_DIBAO" not in r["codes"] for r in body["referrals"])

    def test_the_regional_value_applies_only_from_its_date(self, client: AppClient) -> None:
        body = evaluate(client, left_behind_woman(), as_of="2024-12-31")
        dibao = result_of(body, "REFER_DIBAO")
        assert dibao is None or dibao["status"] not in REFERRED
        assert "dibao_standard_monthly" in body["missing_parameters"]

    def test_another_province_is_not_affected(self, client: AppClient) -> None:
        body = evaluate(client, left_behind_woman(region_code="620102"))
        assert "dibao_standard_monthly" in body["missing_parameters"]

    def test_the_two_apps_serve_different_policy_versions(
        self, client: AppClient, national_client: AppClient
    ) -> None:
        regional = client.get("/healthz").json()["policy_version"]
        national = national_client.get("/healthz").json()["policy_version"]
        assert regional != national


class TestWhyNotAndBeyond:
    """docs/contract.md §3a through the HTTP door: `explain` and `outside_programme`."""

    def test_explain_all_adds_the_reasons_and_the_codes_that_do_not_apply(
        self, client: AppClient
    ) -> None:
        profile = left_behind_woman(husband_away_continuous_months=5)
        response = client.post(
            "/v1/eligibility", json={"profile": profile, "as_of": "2025-06-01", "explain": "all"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == EXPLAINED_KEYS
        left = body["classification_reasons"]["is_rural_left_behind_woman"]
        assert left["value"] is False
        assert any("丈夫连续外出月数（5）" in r for r in left["reasons"]), left
        first = body["not_applicable"][0]
        assert set(first) == {"code", "name", "reasons", "citations", "would_apply_if"}
        assert {"fact": "husband_away_continuous_months", "value": 6} in first["would_apply_if"]

    def test_explain_applicable_is_the_default_answer(self, client: AppClient) -> None:
        profile = left_behind_woman()
        plain = evaluate(client, profile)
        response = client.post(
            "/v1/eligibility",
            json={"profile": profile, "as_of": "2025-06-01", "explain": "applicable"},
        )
        assert response.json() == plain
        assert set(plain) == RESULT_KEYS

    def test_an_unknown_explain_value_is_a_422_naming_the_field(self, client: AppClient) -> None:
        response = client.post(
            "/v1/eligibility", json={"profile": left_behind_woman(), "explain": "why"}
        )
        assert response.status_code == 422
        fields = [item["field"] for item in response.json()["detail"]]
        assert fields == ["explain"]

    def test_a_divorced_disabled_dibao_woman_gets_her_allowance_outside_the_programme(
        self, client: AppClient
    ) -> None:
        profile = left_behind_woman(
            marital_status="divorced", dibao_recipient=True, has_disability_certificate=True
        )
        body = evaluate(client, profile)
        assert body["results"] == []
        beyond = {r["code"]: r for r in body["outside_programme"]}
        assert beyond["DISABILITY_LIVING_ALLOWANCE"]["status"] == "eligible"
        assert beyond["DISABILITY_LIVING_ALLOWANCE"]["reasons"][0].startswith("不属于本方案对象")
        marked = {r["department"]: r for r in body["referrals"] if r["outside_programme"]}
        assert "DISABILITY_LIVING_ALLOWANCE" in marked["CIVIL_AFFAIRS"]["codes"]
        assert all(r["outside_programme"] for r in body["referrals"])


SEX_CONTRADICTS_ID = {
    "field": "profile.sex",
    "zh": "与身份证号（第17位）所示的性别不一致",
    "en": "contradicts the sex shown by the ID number (its 17th digit)",
}


class TestSexAndTheIdNumber:
    """GB 11643: the 17th digit is odd for a man, even for a woman."""

    def test_a_stated_sex_the_id_number_contradicts_is_a_422_naming_sex_chinese_first(
        self, client: AppClient
    ) -> None:
        his = mans("430121", "19830917", 368)  # …737: a man's; SENTINEL_ID (…736) is hers
        for profile in (
            left_behind_woman(id_number=his, name=SENTINEL_NAME),
            left_behind_woman(id_number=SENTINEL_ID, sex="male"),
        ):
            response = client.post("/v1/eligibility", json={"profile": profile})
            assert response.status_code == 422, response.text
            data = response.json()
            assert data["error"] == "validation_error"
            assert data["detail"] == [SEX_CONTRADICTS_ID]
            assert list(data["detail"][0]) == ["field", "zh", "en"]
            for value in (his, SENTINEL_ID, his[-4:], SENTINEL_ID[-4:], SENTINEL_NAME):
                assert value not in response.text

    def test_a_stated_sex_the_id_number_agrees_with_is_evaluated(self, client: AppClient) -> None:
        hers = evaluate(client, left_behind_woman(id_number=SENTINEL_ID))
        assert hers["classifications"]["is_rural_left_behind_woman"] is True
        his = left_behind_woman(id_number=mans("430121", "19830917", 368), sex="male")
        assert evaluate(client, his)["classifications"]["is_rural_left_behind_woman"] is False

    def test_no_sex_stated_is_the_id_numbers(self, client: AppClient) -> None:
        hers = evaluate(client, left_behind_woman(sex=None, id_number=SENTINEL_ID))
        assert hers["classifications"]["is_rural_left_behind_woman"] is True
        assert "sex" not in {q["fact"] for q in hers["questions"]}
        his = left_behind_woman(id_number=mans("430121", "19830917", 368))
        del his["sex"]
        assert evaluate(client, his)["classifications"]["is_rural_left_behind_woman"] is False
