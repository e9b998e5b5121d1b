"""Several uvicorn workers on one fresh ledger: they start safely (migrations and the first
tokens under a lock), and a revocation reaches every worker at once although each caches
tokens (ledger/token_cache.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

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
    env = {"DATABASE_URL": database_url, "IDENTITY_SECRET": SECRET}
    server = start_server(tmp_path / "server.log", str(REGIONS), env=env, args=("--workers", "2"))
    ledger = Ledger.open(database_url, SECRET)
    try:
        with ledger.session() as session:
            issued = create_token(
                session, name="临时", role="admin", region=None, department=None, created_by="t"
            )
        bearer = {"Authorization": f"Bearer {issued.token}"}
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            # new connections each time, so both workers answer (and cache the token)
            for _ in range(40):
                assert client.get(
                    "/v1/catalog", headers=bearer | {"Connection": "close"}
                ).is_success
                assert client.get("/v1/catalog", headers=ADMIN).is_success
            with ledger.session() as session:
                revoke_token(session, issued.record.id, "t")
            refused = [
                client.get("/v1/catalog", headers=bearer | {"Connection": "close"}).status_code
                for _ in range(40)
            ]
            assert set(refused) == {401}
            assert client.get("/v1/catalog", headers=ADMIN).is_success  # others unaffected
        assert "Traceback" not in server.log()
    finally:
        stop_server(server)
        ledger.engine.dispose()
