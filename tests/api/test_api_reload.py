"""Loading at startup and POST /v1/policies/reload: a refused file never replaces a good set."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.main import create_app
from api.settings import Settings
from engine import PolicyError
from engine.durable import DurableRuleset
from tests.api.conftest import HUNAN, AppClient, left_behind_woman, result_of, start_server

BROKEN = """\
region: "430000"
parameters:
  dibao_standard_monthly:
    - {from: 2025-01-01, value: 600}
  left_behind_min_months:
    - {from: 2025-01-01, value: 3}
"""

IMPOSSIBLE_DATE = """\
region: "430000"
parameters:
  dibao_standard_monthly:
    - {from: 2025-02-30, value: 600}
"""


def dibao_status(client: AppClient) -> str | None:
    body = {"profile": left_behind_woman(), "as_of": "2025-06-01"}
    response = client.post("/v1/eligibility", json=body)
    assert response.status_code == 200
    result = result_of(response.json(), "REFER_DIBAO")
    return None if result is None else str(result["status"])


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "regions"
    directory.mkdir()
    return directory


@pytest.fixture
def reloadable(policy_dir: Path) -> Iterator[AppClient]:
    with AppClient(create_app(Settings(policy_paths=[policy_dir]))) as client:
        yield client


def reload(client: AppClient) -> Any:
    return client.post("/v1/policies/reload")


class TestReload:
    def test_a_new_regional_file_takes_effect_on_reload(
        self, reloadable: AppClient, policy_dir: Path
    ) -> None:
        before = reloadable.get("/healthz").json()["policy_version"]
        assert dibao_status(reloadable) != "refer_for_assessment"
        (policy_dir / "hunan.yaml").write_text(HUNAN, encoding="utf-8")
        response = reload(reloadable)
        assert response.status_code == 200
        outcome = response.json()
        assert outcome["changed"] is True and outcome["previous_version"] == before
        assert outcome["policy_version"] != before
        assert reloadable.get("/healthz").json()["policy_version"] == outcome["policy_version"]
        assert dibao_status(reloadable) == "refer_for_assessment"

    def test_reloading_unchanged_files_changes_nothing(self, reloadable: AppClient) -> None:
        before = reloadable.get("/healthz").json()["policy_version"]
        response = reload(reloadable)
        assert response.status_code == 200
        assert response.json() == {
            "policy_version": before, "previous_version": before, "changed": False,
        }  # fmt: skip

    def test_a_refused_file_keeps_the_last_good_set_serving(
        self, reloadable: AppClient, policy_dir: Path
    ) -> None:
        (policy_dir / "hunan.yaml").write_text(HUNAN, encoding="utf-8")
        good = reload(reloadable).json()["policy_version"]
        (policy_dir / "hunan.yaml").write_text(BROKEN, encoding="utf-8")
        response = reload(reloadable)
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "policy_error"
        assert body["detail"]["policy_version"] == good
        assert any("hunan.yaml:5:" in issue and "left_behind_min_months" in issue
                   for issue in body["detail"]["issues"]), body["detail"]["issues"]  # fmt: skip
        assert reloadable.get("/healthz").json()["policy_version"] == good
        assert dibao_status(reloadable) == "refer_for_assessment"

    def test_an_impossible_date_is_a_409_naming_file_and_line(
        self, reloadable: AppClient, policy_dir: Path
    ) -> None:
        (policy_dir / "hunan.yaml").write_text(HUNAN, encoding="utf-8")
        good = reload(reloadable).json()["policy_version"]
        (policy_dir / "hunan.yaml").write_text(IMPOSSIBLE_DATE, encoding="utf-8")
        response = reload(reloadable)
        assert response.status_code == 409
        issues = response.json()["detail"]["issues"]
        assert any("hunan.yaml:4:" in i and "2025-02-30" in i for i in issues), issues
        assert reloadable.get("/healthz").json()["policy_version"] == good

    def test_the_replaced_evaluator_is_closed_once_no_request_holds_it(
        self, reloadable: AppClient, policy_dir: Path
    ) -> None:
        service = reloadable.app.state.policies
        with service.lease() as old:
            (policy_dir / "hunan.yaml").write_text(HUNAN, encoding="utf-8")
            assert reload(reloadable).json()["changed"] is True
            # a request in flight finishes on the evaluator it started with
            assert not old.closed
            answer = old.evaluate(left_behind_woman())
            assert "dibao_standard_monthly" in answer.missing_parameters
        assert old.closed
        assert dibao_status(reloadable) == "refer_for_assessment"

    def test_replaced_rulesets_are_freed(self, reloadable: AppClient, policy_dir: Path) -> None:
        def live_names() -> set[str]:
            with reloadable.app.state.policies.lease() as evaluator:
                return {r.name for stratum in evaluator.pipeline.strata for r in stratum}

        first = live_names()
        for text in (HUNAN, HUNAN.replace("600", "610"), HUNAN.replace("600", "620")):
            (policy_dir / "hunan.yaml").write_text(text, encoding="utf-8")
            assert reload(reloadable).json()["changed"] is True
        gc.collect()
        assert first and not first & DurableRuleset.live
        assert live_names() <= DurableRuleset.live


class TestStartup:
    def test_a_refused_file_stops_the_app_from_starting(self, policy_dir: Path) -> None:
        (policy_dir / "hunan.yaml").write_text(BROKEN, encoding="utf-8")
        with (
            pytest.raises(PolicyError) as refused,
            AppClient(create_app(Settings(policy_paths=[policy_dir]))),
        ):
            pass  # pragma: no cover
        assert any(issue.line == 5 for issue in refused.value.issues)

    def test_an_impossible_date_stops_the_app_from_starting(self, policy_dir: Path) -> None:
        (policy_dir / "hunan.yaml").write_text(IMPOSSIBLE_DATE, encoding="utf-8")
        with (
            pytest.raises(PolicyError) as refused,
            AppClient(create_app(Settings(policy_paths=[policy_dir]))),
        ):
            pass  # pragma: no cover
        assert any(i.line == 4 and "2025-02-30" in str(i) for i in refused.value.issues)

    def test_a_missing_directory_stops_the_app_from_starting(self, tmp_path: Path) -> None:
        with (
            pytest.raises(PolicyError),
            AppClient(create_app(Settings(policy_paths=[tmp_path / "nowhere"]))),
        ):
            pass  # pragma: no cover

    def test_the_server_exits_and_names_file_and_line(
        self, policy_dir: Path, tmp_path: Path
    ) -> None:
        (policy_dir / "hunan.yaml").write_text(BROKEN, encoding="utf-8")
        server = start_server(tmp_path / "server.log", str(policy_dir), wait=False)
        try:
            code = server.process.wait(timeout=60)
        finally:
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait()
        assert code != 0
        log = server.log()
        assert "hunan.yaml:5:" in log and "left_behind_min_months" in log, log


def test_sighup_reloads_a_running_server(policy_dir: Path, tmp_path: Path) -> None:
    import signal
    import time

    import httpx

    from tests.api.conftest import stop_server

    server = start_server(tmp_path / "server.log", str(policy_dir))
    try:
        before = httpx.get(f"{server.base_url}/healthz").json()["policy_version"]
        (policy_dir / "hunan.yaml").write_text(HUNAN, encoding="utf-8")
        server.process.send_signal(signal.SIGHUP)
        deadline, after = time.monotonic() + 30, before
        while after == before and time.monotonic() < deadline:
            time.sleep(0.1)
            after = httpx.get(f"{server.base_url}/healthz").json()["policy_version"]
        assert after != before, server.log()
        # the line is logged just after the new set serves: wait for it too
        while "policies reloaded on SIGHUP" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "policies reloaded on SIGHUP" in server.log()
        (policy_dir / "hunan.yaml").write_text(BROKEN, encoding="utf-8")
        server.process.send_signal(signal.SIGHUP)
        time.sleep(2)
        assert server.process.poll() is None  # a refused file does not stop the server
        assert httpx.get(f"{server.base_url}/healthz").json()["policy_version"] == after
        assert "hunan.yaml:5:" in server.log()
    finally:
        stop_server(server)
