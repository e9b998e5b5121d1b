"""schemathesis against a real server (`uvicorn api.main:app`, an admin token), on SQLite and
on PostgreSQL: every phase — examples, coverage, fuzzing, and the stateful phase, which
follows the OpenAPI links from a new case to reading, updating, reassessing and closing it and
moving its referrals — and every check. It must find no 500, no answer outside the schema, no
valid request refused and no invalid one accepted; and the stateful phase must reach cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ROOT, Server, start_server, stop_server
from tests.conftest import ADMIN_TOKEN

PHASES = "examples,coverage,fuzzing,stateful"
CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 10  # per operation and phase: about 2,500 cases, 75 s a database here


@pytest.fixture
def fuzzed(database_url: str, regional_dir: Path, tmp_path: Path) -> Any:
    """A real server on a fresh ledger."""
    env = {"DATABASE_URL": database_url, "SECRET_FILE": str(tmp_path / "identity.key")}
    server = start_server(tmp_path / "server.log", str(regional_dir), env=env)
    yield server
    stop_server(server)


def _schemathesis(server: Server, report_dir: Path) -> dict[str, Any]:
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(CONFIG),
        "run", f"{server.base_url}/openapi.json",
        "--checks", "all", "--phases", PHASES, "--max-examples", str(MAX_EXAMPLES),
        "--seed", "20251201", "--workers", "1", "--request-timeout", "30",
        "--header", f"Authorization: Bearer {ADMIN_TOKEN}",
        "--report", "json", "--report-json-path", str(report_dir / "report.json"),
        "--suppress-health-check", "too_slow,filter_too_much",
        # a policy draft (a zip or YAML, linted) has no schema that random bytes could meet;
        # tests/web and tests/ledger try the impact door with real drafts
        "--exclude-operation-id", "impact",
    ]  # fmt: skip
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
    }
    # cwd: schemathesis keeps its cache of crashes there; not in the repository
    run = subprocess.run(
        command, cwd=report_dir, env=env, capture_output=True, text=True, timeout=600
    )
    report: dict[str, Any] = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    report["output"] = run.stdout[-6000:] + run.stderr[-2000:]
    return report


def _links_covered(output: str) -> int:
    for line in output.splitlines():
        if "API Links:" in line:
            return int(line.split("API Links:")[1].split("covered")[0].strip())
    return 0


def test_schemathesis_finds_nothing(fuzzed: Server, tmp_path: Path) -> None:
    report = _schemathesis(fuzzed, tmp_path)
    output = report["output"]
    assert report["failures"] == [], output
    assert report["errors"] == [], output
    assert report["exit_code"] == 0, output
    assert {name: p["status"] for name, p in report["phases"].items()} == dict.fromkeys(
        PHASES.split(","), "success"
    ), output
    assert report["test_cases"]["generated"] > 500, report["test_cases"]
    assert _links_covered(output) > 0, output  # the stateful phase reached real cases
    assert not report["warnings"]["missing_auth"], output  # the admin token worked throughout
    assert " 500 " not in fuzzed.log(), fuzzed.log()[-3000:]
    print(
        f"schemathesis: {report['test_cases']['generated']} cases, phases "
        f"{', '.join(report['phases'])}, {_links_covered(output)} links covered"
    )
