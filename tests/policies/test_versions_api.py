"""Every policy version kept: stored by its hash, served back, old assessments explained again
under the set that made them, and the diff of two versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.main import create_app
from api.settings import Settings
from tests.api.conftest import HUNAN, AppClient, left_behind_woman


@pytest.fixture
def regional(tmp_path: Path) -> Path:
    folder = tmp_path / "regions"
    folder.mkdir()
    (folder / "hunan-430000.yaml").write_text(HUNAN, encoding="utf-8")
    return folder


def test_versions_are_kept_and_old_assessments_explained_again(
    regional: Path, database_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        policy_paths=[regional], database_url=database_url, secret_file=tmp_path / "k"
    )
    with AppClient(create_app(settings)) as client:
        first = client.get("/healthz").json()["policy_version"]
        created = client.post(
            "/v1/cases",
            json={"village": "光明村", "as_of": "2025-06-01", "profile": left_behind_woman()},
        ).json()
        assert created["assessment"]["policy_version"] == first
        # the region raises its standard: the reload puts a new set in service
        (regional / "hunan-430000.yaml").write_text(
            HUNAN.replace("value: 600", "value: 450"), encoding="utf-8"
        )
        reloaded = client.post("/v1/policies/reload").json()
        second = reloaded["policy_version"]
        assert reloaded["changed"] and second != first
        assert client.get("/healthz").headers["guanai-policy-version"] == second

        listed = [
            v["policy_version"] for v in client.get("/v1/policies/versions").json()["versions"]
        ]
        assert listed == [first, second]
        old = client.get(f"/v1/policies/{first}").json()
        assert old["policy_version"] == first
        assert any("value: 600" in f["text"] for f in old["sources"])
        assert client.get(f"/v1/policies/{first[7:27]}").json()["policy_version"] == first
        assert client.get("/v1/policies/sha256:0000000000000000").status_code == 404

        # the old assessment, explained again under the set that made it, comes out the same
        assessment_id = client.get(f"/v1/cases/{created['id']}").json()["assessments"][0]["id"]
        again = client.get(f"/v1/cases/{created['id']}/assessments/{assessment_id}/explain")
        assert again.status_code == 200, again.text
        body = again.json()
        assert body["same"] is True and body["policy_version"] == first
        assert body["result"]["policy_version"] == first

        diff = client.get("/v1/policies/diff", params={"a": first, "b": second}).json()
        assert [(p["region"], p["parameter"]) for p in diff["parameters"]] == [
            ("430000", "dibao_standard_monthly")
        ]
        assert diff["rules_changed"] == [] and diff["rules_added"] == []
