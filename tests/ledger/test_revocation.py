"""The per-process token cache: no statement on a hit, and a revocation that returns only when
every cache has let the token go (ledger/token_cache.py, ledger/revocation.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from ledger.db import Ledger
from ledger.revocation import LISTENER_NAME, libpq_url
from ledger.token_cache import TokenCache
from ledger.tokens import Issued, create_token, revoke_token
from tests.api.conftest import AppClient
from tests.ledger.conftest import woman
from tests.postgres import fresh_postgres_database

SECRET = "revocation-test-secret"


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    opened = Ledger.open(database_url, SECRET)
    yield opened
    opened.engine.dispose()


@pytest.fixture
def pg_ledger() -> Iterator[Ledger]:
    with fresh_postgres_database() as url:
        opened = Ledger.open(url, SECRET)
        yield opened
        opened.engine.dispose()


def issue(ledger: Ledger, name: str = "临时") -> Issued:
    with ledger.session() as session:
        return create_token(
            session, name=name, role="admin", region=None, department=None, created_by="t"
        )


def revoke(ledger: Ledger, issued: Issued, **kwargs: Any) -> None:
    with ledger.session() as session:
        revoke_token(session, issued.record.id, "t", **kwargs)


class Statements:
    """Counts the statements an engine sends."""

    def __init__(self, ledger: Ledger) -> None:
        self.count = 0
        event.listen(ledger.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _hammer(
    cache: TokenCache,
    token: str,
    returned: threading.Event,
    stop: threading.Event,
    late: list[int],
) -> None:
    while not stop.is_set():
        after = returned.is_set()  # read before asking
        if cache.principal(token) is not None and after:
            late.append(1)


def test_a_cached_token_costs_no_statement(ledger: Ledger) -> None:
    cache = TokenCache(ledger)
    try:
        assert cache.wait_ready()
        issued = issue(ledger)
        statements = Statements(ledger)
        assert cache.principal(issued.token) is not None
        first = statements.count
        assert first >= 1  # the miss looked it up
        for _ in range(50):
            found = cache.principal(issued.token)
            assert found is not None and found.role == "admin"
        assert statements.count == first  # the hits sent nothing
    finally:
        cache.close()


@pytest.mark.postgres
def test_revocation_returns_only_when_every_cache_let_the_token_go(pg_ledger: Ledger) -> None:
    """Three caches (as three processes would hold), busy with the token from threads while
    it is revoked: from the moment the revocation returns, none of them accepts it."""
    caches = [TokenCache(pg_ledger) for _ in range(3)]
    try:
        assert all(cache.wait_ready() for cache in caches)
        for trial in range(20):
            issued = issue(pg_ledger, f"临时{trial}")
            assert all(cache.principal(issued.token) for cache in caches)  # cached
            returned = threading.Event()
            late: list[int] = []
            stop = threading.Event()

            threads = [
                threading.Thread(target=_hammer, args=(c, issued.token, returned, stop, late))
                for c in caches
            ]
            for thread in threads:
                thread.start()
            revoke(pg_ledger, issued)
            returned.set()
            time.sleep(0.05)
            stop.set()
            for thread in threads:
                thread.join()
            assert not late, f"trial {trial}: a cache accepted the token after the revocation"
            assert all(cache.principal(issued.token) is None for cache in caches)
    finally:
        for cache in caches:
            cache.close()


@pytest.mark.postgres
def test_a_listener_that_does_not_answer_is_cut_off(
    pg_ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    """A process whose listener hangs cannot hold a revocation up for ever, nor keep serving
    from its cache: after the timeout its connection is closed."""
    issued = issue(pg_ledger)
    url = libpq_url(pg_ledger.engine.url)
    with psycopg.connect(url, autocommit=True, application_name=LISTENER_NAME) as hung:
        hung.execute("LISTEN guanai_tokens")  # and never answers
        started = time.monotonic()
        revoke(pg_ledger, issued, confirm_timeout=0.5)
        assert 0.5 <= time.monotonic() - started < 5
        with pytest.raises(psycopg.OperationalError):
            hung.execute("SELECT 1")
    assert "did not confirm" in caplog.text


@pytest.mark.postgres
def test_a_cache_without_its_listener_looks_every_token_up(pg_ledger: Ledger) -> None:
    cache = TokenCache(pg_ledger)
    try:
        assert cache.wait_ready()
        issued = issue(pg_ledger)
        assert cache.principal(issued.token) is not None
        url = libpq_url(pg_ledger.engine.url)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (LISTENER_NAME,),
            )
        until(lambda: cache._version_now() is None)
        statements = Statements(pg_ledger)
        assert cache.principal(issued.token) is not None
        assert statements.count >= 1  # looked up, not served from the cache
        until(lambda: cache._version_now() is not None)  # reconnects by itself
        cache.principal(issued.token)
        before = statements.count
        assert cache.principal(issued.token) is not None
        assert statements.count == before  # caching again
        revoke(pg_ledger, issued)
        assert cache.principal(issued.token) is None
    finally:
        cache.close()


def test_sqlite_revocation_needs_no_listener(tmp_path: Any) -> None:
    opened = Ledger.open(f"sqlite:///{tmp_path}/ledger.db", SECRET)
    cache = TokenCache(opened)
    try:
        issued = issue(opened)
        assert cache.principal(issued.token) is not None
        revoke(opened, issued)
        assert cache.principal(issued.token) is None
    finally:
        cache.close()
        opened.engine.dispose()


def test_an_evaluation_with_a_known_token_sends_no_statement(ledger_client: AppClient) -> None:
    """The hot path: /v1/eligibility with a token the process has seen reads nothing from the
    ledger (on PostgreSQL once the listener is connected), and a revoked one is refused."""
    app = ledger_client.app
    assert app.state.tokens.wait_ready()
    body = {"profile": woman(age_years=40), "as_of": "2025-06-01"}
    assert ledger_client.post("/v1/eligibility", json=body).status_code == 200  # now cached
    statements = Statements(app.state.ledger)
    for _ in range(20):
        assert ledger_client.post("/v1/eligibility", json=body).status_code == 200
    assert statements.count == 0
