"""GET /v1/catalog, GET /v1/policies, GET /healthz, and the settings behind them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.settings import Settings, ledger_location
from engine import load_policy
from tests.api.conftest import ROOT, AppClient


@pytest.fixture(scope="module")
def catalog(client: AppClient) -> dict[str, Any]:
    response = client.get("/v1/catalog")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture(scope="module")
def policies(client: AppClient) -> dict[str, Any]:
    response = client.get("/v1/policies")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


class TestCatalog:
    def test_facts_come_in_catalog_order_with_labels(self, catalog: dict[str, Any]) -> None:
        shipped = load_policy().catalog
        assert [f["name"] for f in catalog["facts"]] == list(shipped.facts)
        sex = catalog["facts"][0]
        assert sex["name"] == "sex" and sex["type"] == "enum"
        assert sex["label"] == {"zh": "性别", "en": "Sex"}
        assert sex["question"]["zh"]

    def test_enum_and_list_facts_list_their_allowed_values(self, catalog: dict[str, Any]) -> None:
        facts = {f["name"]: f for f in catalog["facts"]}
        marital = [v["value"] for v in facts["marital_status"]["values"]]
        assert marital == ["married", "unmarried", "divorced", "widowed"]
        assert {"value": "female", "label": {"zh": "女", "en": "female"}} in facts["sex"]["values"]
        assert facts["infringement_types"]["type"] == "list"
        assert facts["infringement_types"]["values"]
        assert facts["husband_away"]["values"] is None
        assert facts["dibao_recipient"]["absent"] == "false"

    def test_identity_fields_are_not_facts(self, catalog: dict[str, Any]) -> None:
        names = {f["name"] for f in catalog["facts"]}
        assert not names & {"name", "id_number", "birth_date"}

    def test_codes_carry_names_kinds_and_departments(self, catalog: dict[str, Any]) -> None:
        codes = {c["code"]: c for c in catalog["codes"]}
        assert len(codes) == len(load_policy().catalog.codes)
        dibao = codes["REFER_DIBAO"]
        assert dibao["kind"] == "referral" and dibao["category"] == "basic_living"
        assert dibao["departments"]["lead"] == ["CIVIL_AFFAIRS"]
        assert dibao["name"]["zh"] and dibao["name"]["en"]
        assert any(c["urgent"] for c in catalog["codes"])

    def test_every_department_a_code_names_is_listed(self, catalog: dict[str, Any]) -> None:
        departments = {d["code"]: d for d in catalog["departments"]}
        assert departments["CIVIL_AFFAIRS"]["name"]["zh"] == "民政部门"
        for code in catalog["codes"]:
            for dept in code["departments"]["lead"] + code["departments"]["support"]:
                assert dept in departments

    def test_classifications_and_parameters_are_listed(self, catalog: dict[str, Any]) -> None:
        names = [c["name"] for c in catalog["classifications"]]
        assert names[0] == "is_rural_left_behind_woman"
        params = {p["name"]: p for p in catalog["parameters"]}
        assert params["dibao_standard_monthly"]["overridable"] == "required"
        assert params["left_behind_min_months"]["overridable"] is False


class TestPolicies:
    def test_the_version_is_the_one_every_door_reports(
        self, client: AppClient, policies: dict[str, Any], catalog: dict[str, Any]
    ) -> None:
        version = policies["policy_version"]
        assert version.startswith("sha256:")
        assert catalog["policy_version"] == version
        assert client.get("/healthz").json() == {"status": "ok", "policy_version": version}
        answer = client.post("/v1/eligibility", json={"profile": {}}).json()
        assert answer["policy_version"] == version

    def test_every_rule_is_listed_with_its_file_and_basis(
        self, policies: dict[str, Any], regional_dir: Path
    ) -> None:
        loaded = load_policy(extra_dirs=[regional_dir])
        rules = {r["id"]: r for r in policies["rules"]}
        assert set(rules) == {r.id for r in loaded.rules}
        dibao = next(r for r in policies["rules"] if r["target"] == "REFER_DIBAO")
        assert dibao["kind"] == "code"
        assert dibao["file"].endswith(".yaml") and dibao["line"] >= 1
        assert dibao["basis"] in {"doc", "law", "judgement"}
        assert dibao["effective"]["from"] and "to" in dibao["effective"]
        assert dibao["cite"] and dibao["cite"][0]["source"]
        definition = rules["definitions.is_rural_left_behind_woman"]
        assert definition["kind"] == "classification" and definition["effective"] is None

    def test_documents_are_listed(self, policies: dict[str, Any]) -> None:
        documents = {d["id"]: d for d in policies["documents"]}
        assert documents["MCA_2025_7"]["number"] == "民发〔2025〕7号"
        assert documents["MCA_2025_7"]["date"] == "2025-03-27"

    def test_the_regional_parameter_file_is_listed_after_the_shipped_ones(
        self, policies: dict[str, Any]
    ) -> None:
        files = policies["parameter_files"]
        assert files[0]["region"] == "national"
        hunan = files[-1]
        assert hunan["region"] == "430000" and hunan["name"] == "湖南省（测试）"
        assert hunan["file"].endswith("hunan-430000.yaml")
        assert hunan["parameters"] == ["dibao_standard_monthly"]
        assert hunan["file"] in policies["files"]


class TestSettings:
    def test_policy_paths_are_colon_separated(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("POLICY_PATHS", "/srv/hunan:/srv/changsha")
        monkeypatch.setenv("PORT", "8123")
        settings = Settings()
        assert settings.policy_paths == [Path("/srv/hunan"), Path("/srv/changsha")]
        assert settings.port == 8123

    def test_defaults(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in ("POLICY_PATHS", "DATABASE_URL", "HOST", "PORT"):
            monkeypatch.delenv(name, raising=False)
        settings = Settings()
        assert settings.policy_paths == []
        assert settings.host == "127.0.0.1" and settings.port == 8000
        assert settings.database_url == f"sqlite:///{ROOT / 'var' / 'guanai.db'}"

    def test_the_default_ledger_and_key_are_one_absolute_place_from_any_folder(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        for name in ("DATABASE_URL", "SECRET_FILE"):
            monkeypatch.delenv(name, raising=False)
        here = Settings()
        monkeypatch.chdir(tmp_path)  # e.g. the spreadsheet's folder
        there = Settings()
        assert here.database_url == there.database_url
        assert there.secret_file == here.secret_file and there.secret_file.is_absolute()
        assert ledger_location(there.database_url) == str(ROOT / "var" / "guanai.db")
        assert ledger_location("postgresql://u:pw@db/guanai") == "postgresql://u:***@db/guanai"
