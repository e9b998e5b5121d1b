"""Tokens: created with a role and region, printed once, stored as a hash, revoked at once;
the first start of the service prints an admin token with a ready curl line."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from api.main import create_app
from api.settings import Settings
from cli.main import app
from ledger.db import Ledger
from tests.api.conftest import AppClient, start_server, stop_server
from tests.conftest import REGIONS
from tests.ledger.conftest import SECRET

TOKEN = re.compile(r"gat_[A-Za-z0-9_-]{40,}")


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "IDENTITY_SECRET": SECRET}


def test_the_cli_creates_lists_and_revokes_tokens_and_keeps_only_hashes(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    made = runner.invoke(
        app,
        [
            "token",
            "create",
            "--role",
            "department",
            "--region",
            "430100",
            "--department",
            "CIVIL_AFFAIRS",
            "--name",
            "长沙市民政局",
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert TOKEN.fullmatch(token)
    listed = runner.invoke(app, ["token", "list"], env={**env, "COLUMNS": "200"})
    assert "长沙市民政局" in listed.stdout and token not in listed.stdout
    ledger = Ledger.open(env["DATABASE_URL"], SECRET)
    with ledger.engine.connect() as connection:
        stored = str(connection.execute(text("SELECT * FROM tokens")).all())
        audit = str(connection.execute(text("SELECT action FROM audit")).all())
    assert token not in stored and "token_created" in audit
    token_id = re.search(r"已创建令牌 (\w+)", made.stderr)
    assert token_id is not None

    server = start_server(tmp_path / "server.log", str(REGIONS), env=env)
    try:
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{server.base_url}/v1/referrals", headers=bearer).status_code == 200
        revoked = runner.invoke(app, ["token", "revoke", token_id.group(1)], env=env)
        assert revoked.exit_code == 0, revoked.output
        after = httpx.get(f"{server.base_url}/v1/referrals", headers=bearer)
        assert after.status_code == 401  # at once, no restart
        again = runner.invoke(app, ["token", "revoke", token_id.group(1)], env=env)
        assert again.exit_code == 1
    finally:
        stop_server(server)
    ledger.engine.dispose()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--role", "boss", "--name", "x"], "未知角色"),
        (["--role", "department", "--name", "x"], "--department"),
        (["--role", "policy", "--name", "x", "--department", "HEALTH"], "只有 department"),
        (["--role", "department", "--name", "x", "--department", "NOPE"], "未知部门"),
        (["--role", "policy", "--name", "x", "--region", "4300"], "6位"),
        (["--role", "caseworker", "--name", "x"], "--region"),
        (["--role", "department", "--name", "x", "--department", "HEALTH"], "--national"),
    ],
)
def test_bad_token_requests_exit_2_with_a_reason(
    env: dict[str, str], args: list[str], words: str
) -> None:
    result = CliRunner().invoke(app, ["token", "create", *args], env=env)
    assert result.exit_code == 2
    assert words in result.stderr


def test_a_nationwide_caseworker_token_must_be_asked_for(env: dict[str, str]) -> None:
    made = CliRunner().invoke(
        app, ["token", "create", "--role", "caseworker", "--name", "x", "--national"], env=env
    )
    assert made.exit_code == 0, made.output
    assert "全国" in made.stderr


def test_the_first_start_prints_an_admin_token_with_a_curl_line(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/first.db",
        "IDENTITY_SECRET": SECRET,
        "GUANAI_ADMIN_TOKEN": "",
    }
    server = start_server(tmp_path / "server.log", str(REGIONS), env=env)
    try:
        found = TOKEN.search(server.log())
        assert found, server.log()
        assert (
            f"curl -s http://127.0.0.1:8000/v1/catalog -H 'Authorization: Bearer {found.group()}'"
            in server.log()
        )
        assert f"台账 (ledger): {tmp_path}/first.db" in server.log()  # the full location
        bearer = {"Authorization": f"Bearer {found.group()}"}
        assert httpx.get(f"{server.base_url}/v1/audit", headers=bearer).status_code == 200
    finally:
        stop_server(server)
    assert f"ledger open (sqlite): {tmp_path}/first.db" in server.log()
    second = start_server(tmp_path / "second.log", str(REGIONS), env=env)
    try:
        assert not TOKEN.search(second.log())  # only the very first start
    finally:
        stop_server(second)


def test_public_evaluation_opens_only_the_doors_that_store_nothing(tmp_path: Path) -> None:
    from api.main import create_app
    from api.settings import Settings
    from tests.api.conftest import AppClient
    from tests.ledger.conftest import woman

    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/l.db",
        identity_secret=SECRET,
        policy_paths=[REGIONS],
        public_evaluation=True,
    )
    with AppClient(create_app(settings), headers={}) as anonymous:
        assert anonymous.post("/v1/eligibility", json={"profile": woman()}).status_code == 200
        assert anonymous.get("/v1/catalog").status_code == 200
        assert anonymous.get("/v1/policies").status_code == 200
        for method, url in (
            ("GET", "/v1/cases"),
            ("POST", "/v1/cases"),
            ("GET", "/v1/audit"),
            ("GET", "/v1/referrals"),
            ("POST", "/v1/policies/reload"),
            ("GET", "/v1/reports/summary"),
            ("GET", "/v1/ledger/export.csv"),
        ):
            response = anonymous.request(method, url, json={})
            assert response.status_code == 401, (method, url, response.text)
        refused = anonymous.post("/v1/tokens", json={"name": "x", "role": "public"})
        assert refused.status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x", "role": "caseworker"}, 422),
        ({"name": "x", "role": "department", "department": "HEALTH"}, 422),
        ({"name": "x", "role": "caseworker", "national": True}, 201),
        ({"name": "x", "role": "caseworker", "region": "430121"}, 201),
        ({"name": "x", "role": "policy"}, 201),  # a policy officer reads aggregates only
    ],
)
def test_the_api_makes_a_nationwide_regional_token_only_when_asked(
    database_url: str, body: dict[str, object], status: int
) -> None:
    settings = Settings(database_url=database_url, policy_paths=[REGIONS], identity_secret=SECRET)
    with AppClient(create_app(settings)) as client:
        made = client.post("/v1/tokens", json=body)
    assert made.status_code == status, made.text
    if status == 422:
        problem = made.json()["detail"][0]
        assert problem["field"] == "region" and "national" in problem["zh"]
    else:
        assert made.json()["region"] == body.get("region")
