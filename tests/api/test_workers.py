"""Several uvicorn workers on one fresh ledger: they start safely (migrations and the first
tokens under a lock), and a revocation reaches every worker at once although each caches
tokens (ledger/token_cache.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from ledger.db import Ledger
from ledger.tokens import create_token, revoke_token
from tests.api.conftest import start_server, stop_server
from tests.conftest import ADMIN, REGIONS

SECRET = "workers-test-secret"


@pytest.mark.slow
def test_two_workers_start_on_a_fresh_ledger_and_revocation_reaches_both(
    database_url: str, tmp_path: Path
) -> None:
    """20 trials: a token in use by four busy clients (spread over both workers) is revoked;
    no request sent after the revocation returned is accepted, by either worker."""
    env = {"DATABASE_URL": database_url, "IDENTITY_SECRET": SECRET}
    server = start_server(tmp_path / "server.log", str(REGIONS), env=env, args=("--workers", "2"))
    ledger = Ledger.open(database_url, SECRET)
    try:
        for trial in range(20):
            with ledger.session() as session:
                issued = create_token(
                    session, name=f"临时{trial}", role="admin", region=None, department=None,
                    created_by="t",
                )  # fmt: skip
            bearer = {"Authorization": f"Bearer {issued.token}"}
            with httpx.Client(base_url=server.base_url, timeout=10) as client:
                # new connections each time, so both workers answer (and cache the token)
                for _ in range(10):
                    assert client.get(
                        "/v1/catalog", headers=bearer | {"Connection": "close"}
                    ).is_success
            returned, stop = threading.Event(), threading.Event()
            late: list[int] = []

            clients = [
                threading.Thread(
                    target=_busy,
                    args=(server.base_url, bearer, i % 2 == 0, returned, stop, late),
                )
                for i in range(4)
            ]
            for thread in clients:
                thread.start()
            time.sleep(0.05)
            with ledger.session() as session:
                revoke_token(session, issued.record.id, "t")
            returned.set()
            time.sleep(0.3)
            stop.set()
            for thread in clients:
                thread.join()
            assert not late, f"trial {trial}: accepted after the revocation returned: {late}"
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            assert client.get("/v1/catalog", headers=ADMIN).is_success  # others unaffected
        assert "Traceback" not in server.log()
    finally:
        stop_server(server)
        ledger.engine.dispose()


def _busy(
    base_url: str,
    headers: dict[str, str],
    close: bool,
    returned: threading.Event,
    stop: threading.Event,
    late: list[int],
) -> None:
    """Ask with the token until stopped; note any answer but 401 to a request sent after the
    revocation returned (`close`: a new connection each time, so either worker answers)."""
    extra = {"Connection": "close"} if close else {}
    with httpx.Client(base_url=base_url, timeout=10) as client:
        while not stop.is_set():
            after = returned.is_set()  # read before the request is sent
            answer = client.get("/v1/catalog", headers=headers | extra)
            if after and answer.status_code != 401:
                late.append(answer.status_code)
