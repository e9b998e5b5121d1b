"""Over a real server: concurrent updates lose no version, a killed server loses no case."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import Server, start_server, stop_server
from tests.conftest import ADMIN, REGIONS
from tests.ledger.conftest import SECRET, woman


@pytest.fixture
def ledger_server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    """uvicorn on a fresh ledger database."""
    env = {"DATABASE_URL": database_url, "IDENTITY_SECRET": SECRET}
    server = start_server(tmp_path / "server.log", str(REGIONS), env=env)
    yield server
    stop_server(server)


def test_20_concurrent_updates_with_the_same_if_match_one_wins(ledger_server: Server) -> None:
    url = ledger_server.base_url
    created = httpx.post(
        f"{url}/v1/cases",
        json={"profile": woman(age_years=40), "village": "光明村"},
        timeout=30,
        headers=ADMIN,
    )
    assert created.status_code == 201
    case_id = created.json()["id"]
    barrier = threading.Barrier(20)

    def update(age: int) -> int:
        barrier.wait()
        response = httpx.put(
            f"{url}/v1/cases/{case_id}/profile",
            json={"profile": woman(age_years=age)},
            headers={**ADMIN, "If-Match": "1"},
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(update, range(41, 61)))
    assert sorted(codes) == [200] + [412] * 19, codes
    detail = httpx.get(f"{url}/v1/cases/{case_id}", timeout=30, headers=ADMIN).json()
    assert detail["version"] == 2
    assert [a["profile_version"] for a in detail["assessments"]] == [1, 2]
    assert 41 <= detail["profile"]["age_years"] <= 60


def test_a_server_killed_mid_stream_loses_no_acknowledged_case(
    database_url: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_url, "IDENTITY_SECRET": SECRET}
    server = start_server(tmp_path / "first.log", str(REGIONS), env=env)
    acknowledged: list[str] = []
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(base_url=server.base_url, timeout=10, headers=ADMIN) as client:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    response = client.post(
                        "/v1/cases",
                        json={"profile": woman(age_years=20 + n % 50), "village": f"村{n}"},
                    )
                except httpx.TransportError:
                    return  # the server is gone
                if response.status_code == 201:
                    acknowledged.append(response.json()["id"])

    writer = threading.Thread(target=stream)
    writer.start()
    try:
        while len(acknowledged) < 30 and writer.is_alive():
            threading.Event().wait(0.05)
        server.process.send_signal(signal.SIGKILL)  # no shutdown, no flush
        server.process.wait(timeout=10)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert len(acknowledged) >= 30, server.log()

    restarted = start_server(tmp_path / "second.log", str(REGIONS), env=env)
    try:
        with httpx.Client(base_url=restarted.base_url, timeout=10, headers=ADMIN) as client:
            missing = [
                cid for cid in acknowledged if client.get(f"/v1/cases/{cid}").status_code != 200
            ]
            assert missing == []
            assert client.get("/v1/cases").json()["total"] >= len(acknowledged)
    finally:
        stop_server(restarted)
