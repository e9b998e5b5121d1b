"""POST /v1/policies/impact: a draft (one YAML file or a zip) linted first, replayed in the
background, its status and report at GET /v1/policies/impact/{id}."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from api.main import create_app
from api.settings import Settings
from tests.api.conftest import HUNAN, AppClient, left_behind_woman

RAISED = HUNAN.replace("value: 600", "value: 900")
YAML = {"content-type": "application/yaml"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppClient]:
    folder = tmp_path_factory.mktemp("impact-api")
    regions = folder / "regions"
    regions.mkdir()
    (regions / "hunan-430000.yaml").write_text(HUNAN, encoding="utf-8")
    settings = Settings(
        policy_paths=[regions],
        database_url=f"sqlite:///{folder}/ledger.db",
        secret_file=folder / "identity.key",
    )
    with AppClient(create_app(settings)) as c:
        for income in (500, 700, 850, 1000):  # 700, 850 (低保) and 1000 (边缘) flip at 900
            profile = left_behind_woman(household_income_pc_monthly=income)
            answer = c.post("/v1/cases", json={"village": "光明村", "as_of": "2025-06-01",
                                               "profile": profile})  # fmt: skip
            assert answer.status_code == 201, answer.text
        yield c


def _finished(client: AppClient, url: str) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(url).json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise AssertionError("the impact job did not finish in 120 s")


class TestImpactApi:
    def test_a_yaml_draft_runs_in_the_background_and_reports_the_flips(
        self, client: AppClient, tmp_path: Path
    ) -> None:
        started = client.post(
            "/v1/policies/impact",
            params={"file": "hunan-430000.yaml", "as_of": "2025-06-01"},
            content=RAISED.encode(),
            headers=YAML,
        )
        assert started.status_code == 202, started.text
        job = _finished(client, started.json()["status_url"])
        assert job["status"] == "done", job
        report = job["report"]
        assert isinstance(report, dict)
        assert report["cases"] == 4 and report["changed"] == 3  # 1000 < 1.5 × 900: the edge
        assert report["codes"]["REFER_DIBAO"]["gained"] == 2
        # the cases are named by their case numbers, never by identity
        assert all("name" not in c and "id_number" not in c for c in report["changes"])
        xlsx = client.get(started.json()["status_url"], params={"format": "xlsx"})
        assert xlsx.status_code == 200
        (tmp_path / "r.xlsx").write_bytes(xlsx.content)
        assert load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "概况"

    def test_a_zip_draft_is_read_whole(self, client: AppClient) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hunan-430000.yaml", RAISED)
        started = client.post(
            "/v1/policies/impact",
            params={"as_of": "2025-06-01", "region": "430121"},
            content=buffer.getvalue(),
            headers={"content-type": "application/zip"},
        )
        assert started.status_code == 202, started.text
        job = _finished(client, started.json()["status_url"])
        assert job["region"] == "430121" and job["report"]["changed"] == 3  # type: ignore[index]

    def test_a_refused_draft_is_a_422_naming_file_and_line(self, client: AppClient) -> None:
        broken = RAISED + "  no_such_parameter:\n    - {from: 2025-01-01, value: 1}\n"
        answer = client.post(
            "/v1/policies/impact", params={"file": "hunan-430000.yaml"}, content=broken.encode(),
            headers=YAML,
        )  # fmt: skip
        assert answer.status_code == 422
        body = answer.json()
        assert body["error"] == "validation_error"
        assert body["detail"][0]["field"] == "draft"
        assert body["detail"][0]["zh"].startswith("hunan-430000.yaml:")
        assert "no_such_parameter" in body["detail"][0]["zh"]

    def test_only_policy_and_admin_may_ask(self, client: AppClient) -> None:
        made = client.post("/v1/tokens", json={"name": "村", "role": "caseworker",
                                               "region": "430121"}).json()  # fmt: skip
        answer = client.post(
            "/v1/policies/impact",
            content=RAISED.encode(),
            headers={**YAML, "Authorization": f"Bearer {made['token']}"},
        )
        assert answer.status_code == 403
        assert client.get("/v1/policies/impact/nope").status_code == 404
