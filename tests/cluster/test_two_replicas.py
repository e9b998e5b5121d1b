"""One service across processes: two servers on one PostgreSQL behave as one.

A reload through one server reaches the other within 2 s (LISTEN/NOTIFY carrying the new
version, loaded there from the stored set); every response names the version that answered;
a token revoked on one is refused by both at once; the migrations ran once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.api.conftest import HUNAN, Server, start_server, stop_server
from tests.conftest import ADMIN
from tests.postgres import fresh_postgres_database

HEADER = "guanai-policy-version"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, list[Server]]]:
    folder = tmp_path_factory.mktemp("cluster")
    regions = folder / "regions"
    regions.mkdir()
    (regions / "hunan-430000.yaml").write_text(HUNAN, encoding="utf-8")
    with fresh_postgres_database() as url:
        env = {"DATABASE_URL": url, "SECRET_FILE": str(folder / "identity.key")}
        # both start at once: the migrations must run once, serialised, and both come up
        servers = [
            start_server(folder / f"server-{n}.log", str(regions), wait=False, env=env)
            for n in (1, 2)
        ]
        try:
            for server in servers:
                _wait_up(server)
            yield regions, url, servers
        finally:
            for server in servers:
                stop_server(server)


def _wait_up(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"a server exited:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"a server did not come up:\n{server.log()}")


def _version(server: Server, path: str = "/healthz") -> str:
    response = httpx.get(f"{server.base_url}{path}", headers=ADMIN, timeout=5)
    return response.headers[HEADER]


@pytest.mark.postgres
class TestTwoReplicas:
    def test_both_serve_one_version_and_say_so(
        self, cluster: tuple[Path, str, list[Server]]
    ) -> None:
        _, _, (one, two) = cluster
        assert _version(one) == _version(two)
        assert _version(one, "/v1/catalog") == _version(one)
        assert httpx.get(f"{one.base_url}/nope", timeout=5).headers[HEADER] == _version(one)

    def test_a_reload_on_one_reaches_the_other_within_two_seconds(
        self, cluster: tuple[Path, str, list[Server]]
    ) -> None:
        regions, _, (one, two) = cluster
        before = _version(two)
        (regions / "hunan-430000.yaml").write_text(
            HUNAN.replace("value: 600", "value: 610"), encoding="utf-8"
        )
        response = httpx.post(f"{one.base_url}/v1/policies/reload", headers=ADMIN, timeout=30)
        reloaded = time.monotonic()
        assert response.status_code == 200, response.text
        new = response.json()["policy_version"]
        assert new != before and response.headers[HEADER] == new
        while _version(two) != new:
            assert time.monotonic() - reloaded < 2.0, "the other replica did not follow in 2 s"
            time.sleep(0.02)
        took = time.monotonic() - reloaded
        print(f"reload propagation: {took * 1000:.0f} ms")
        body = {"profile": {"sex": "female", "region_code": "430121"}, "as_of": "2025-06-01"}
        answer = httpx.post(f"{two.base_url}/v1/eligibility", json=body, headers=ADMIN, timeout=10)
        assert answer.json()["policy_version"] == new == answer.headers[HEADER]

    def test_a_token_revoked_on_one_is_refused_by_both(
        self, cluster: tuple[Path, str, list[Server]]
    ) -> None:
        _, _, (one, two) = cluster
        created = httpx.post(
            f"{one.base_url}/v1/tokens",
            json={"name": "短期", "role": "policy"},
            headers=ADMIN,
            timeout=10,
        ).json()
        mine = {"Authorization": f"Bearer {created['token']}"}
        for server in (one, two):
            assert httpx.get(f"{server.base_url}/v1/catalog", headers=mine).status_code == 200
        revoked = httpx.post(
            f"{one.base_url}/v1/tokens/{created['id']}/revoke", headers=ADMIN, timeout=10
        )
        assert revoked.status_code == 200
        for server in (two, one):
            assert httpx.get(f"{server.base_url}/v1/catalog", headers=mine).status_code == 401

    def test_the_migrations_ran_once(self, cluster: tuple[Path, str, list[Server]]) -> None:
        _, url, _ = cluster
        with psycopg.connect(url) as connection:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        assert len(rows) == 1
