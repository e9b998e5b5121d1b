"""Every error is `{"error": kind, "detail": …}`: 400, 404, 405, 413, 422, and 500 for engine
faults only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine import Evaluator, RulesRuntimeError
from tests.api.conftest import SENTINEL_ID, SENTINEL_NAME, AppClient, left_behind_woman

JSON = {"content-type": "application/json"}


def problems(client: AppClient, body: Any) -> dict[str, dict[str, str]]:
    """POST `body` (JSON), expect 422, and return its problems by field."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    response = client.post("/v1/eligibility", content=raw, headers=JSON)
    assert response.status_code == 422, response.text
    data = response.json()
    assert data["error"] == "validation_error"
    for problem in data["detail"]:
        assert set(problem) == {"field", "zh", "en"}
        assert problem["zh"] and problem["en"]
    return {p["field"]: p for p in data["detail"]}


class TestInvalidProfilesNameTheField:
    def test_unknown_field_is_rejected_with_its_name(self, client: AppClient) -> None:
        found = problems(client, {"profile": left_behind_woman(husband_salary=3000)})
        assert list(found) == ["profile.husband_salary"]
        assert "不允许" in found["profile.husband_salary"]["zh"]

    def test_false_is_not_a_number(self, client: AppClient) -> None:
        found = problems(client, {"profile": left_behind_woman(household_income_pc_monthly=False)})
        assert list(found) == ["profile.household_income_pc_monthly"]

    def test_a_string_is_not_an_integer(self, client: AppClient) -> None:
        found = problems(client, {"profile": left_behind_woman(age_years="12")})
        assert list(found) == ["profile.age_years"]
        assert "整数" in found["profile.age_years"]["zh"]

    def test_a_float_is_not_an_integer(self, client: AppClient) -> None:
        found = problems(client, {"profile": left_behind_woman(husband_away_continuous_months=6.5)})
        assert list(found) == ["profile.husband_away_continuous_months"]

    def test_a_wrong_id_number_check_digit_is_rejected(self, client: AppClient) -> None:
        wrong = SENTINEL_ID[:17] + ("0" if SENTINEL_ID[17] != "0" else "1")
        found = problems(client, {"profile": left_behind_woman(id_number=wrong)})
        assert list(found) == ["profile.id_number"]
        assert "校验位" in found["profile.id_number"]["zh"]

    def test_every_bad_field_is_named_at_once(self, client: AppClient) -> None:
        profile = left_behind_woman(age_years="12", sex="woman", surname="王")
        found = problems(client, {"profile": profile})
        assert set(found) == {"profile.age_years", "profile.sex", "profile.surname"}

    def test_a_bad_list_item_is_named_by_its_position(self, client: AppClient) -> None:
        profile = left_behind_woman(infringement_types=["abuse", "gossip"])
        assert list(problems(client, {"profile": profile})) == ["profile.infringement_types.1"]

    def test_no_error_repeats_a_value_from_the_profile(self, client: AppClient) -> None:
        wrong_id = SENTINEL_ID[:17] + ("0" if SENTINEL_ID[17] != "0" else "1")
        profile = left_behind_woman(name=SENTINEL_NAME * 10, id_number=wrong_id, age_years="77")
        response = client.post("/v1/eligibility", json={"profile": profile})
        assert response.status_code == 422
        for value in (SENTINEL_NAME, wrong_id, "77"):
            assert value not in response.text


class TestTheEnvelopeIsStrict:
    def test_unknown_top_level_key_is_rejected(self, client: AppClient) -> None:
        found = problems(client, {"profile": left_behind_woman(), "date": "2025-06-01"})
        assert list(found) == ["date"]

    @pytest.mark.parametrize("as_of", ["2025-13-01", "2025/06/01", "20250601", 20250601, True,
                                       "2025-06-01T00:00:00", ""])  # fmt: skip
    def test_as_of_must_be_a_date(self, client: AppClient, as_of: Any) -> None:
        found = problems(client, {"profile": left_behind_woman(), "as_of": as_of})
        assert list(found) == ["as_of"]

    @pytest.mark.parametrize("body", [{}, {"as_of": "2025-06-01"}, {"profile": None}])
    def test_the_profile_is_required(self, client: AppClient, body: Any) -> None:
        assert list(problems(client, body)) == ["profile"]

    @pytest.mark.parametrize("profile", [[], "female", 3])
    def test_the_profile_must_be_an_object(self, client: AppClient, profile: Any) -> None:
        assert list(problems(client, {"profile": profile})) == ["profile"]

    @pytest.mark.parametrize("body", [[], "profile", 1, None])
    def test_the_body_must_be_an_object(self, client: AppClient, body: Any) -> None:
        assert list(problems(client, body)) == ["body"]

    def test_envelope_and_profile_errors_come_together(self, client: AppClient) -> None:
        found = problems(client, {"profile": {"age_years": True}, "as_of": "soon", "x": 1})
        assert set(found) == {"x", "profile.age_years", "as_of"}


class TestMalformedRequests:
    @pytest.mark.parametrize(
        "raw",
        [b"", b"{", b'{"profile": {}', b"{'profile': {}}", b'{"profile": NaN}',
         b'{"profile": {"age_years": Infinity}}', b'{"profile": {}, "profile": {}}',
         b"\xff\xfe\x00", b"[" * 50_000],
    )  # fmt: skip
    def test_malformed_json_is_400(self, client: AppClient, raw: bytes) -> None:
        response = client.post("/v1/eligibility", content=raw, headers=JSON)
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "malformed_json"
        assert body["detail"]["zh"] == "请求体不是有效的 JSON"

    def test_a_body_over_the_limit_is_413(self, client: AppClient) -> None:
        profile = left_behind_woman(name="王" * 30_000)
        response = client.post("/v1/eligibility", json={"profile": profile})
        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"

    def test_unknown_path_is_404_in_the_error_shape(self, client: AppClient) -> None:
        response = client.get("/v1/nothing-here")
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found",
            "detail": {"zh": "未找到", "en": "Not found"},
        }

    def test_wrong_method_is_405_in_the_error_shape(self, client: AppClient) -> None:
        response = client.get("/v1/eligibility")
        assert response.status_code == 405
        assert response.json()["error"] == "method_not_allowed"
        assert response.headers["allow"] == "POST"


class TestEngineFaults:
    def test_an_engine_fault_is_a_documented_500(
        self, client: AppClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(*args: object, **kwargs: object) -> None:
            raise RulesRuntimeError("durable_rules failed: test")

        monkeypatch.setattr(Evaluator, "evaluate", broken)
        response = client.post("/v1/eligibility", json={"profile": left_behind_woman()})
        assert response.status_code == 500
        body = response.json()
        assert body["error"] == "engine_error"
        assert set(body["detail"]) == {"zh", "en"}
        spec = client.get("/openapi.json").json()
        assert "500" in spec["paths"]["/v1/eligibility"]["post"]["responses"]
