"""A token revocation that takes effect at once in every process, on PostgreSQL.

Each serving process keeps a per-process token cache (ledger/token_cache.py) and, for it, a
*listener*: a connection of its own, named `guanai-token-cache`, that LISTENs on
`guanai_tokens`. The protocol:

1. The revoker LISTENs on `guanai_tokens_ack` (its own connection), then commits the
   revocation together with `NOTIFY guanai_tokens, '<revocation id>'`.
2. Each listener, on that notification, first moves its cache to a new version (so no entry
   read before it is used again), then answers `NOTIFY guanai_tokens_ack, '<revocation id>'`.
3. The revoker returns only when every listener connected at that moment (`pg_stat_activity`,
   by name) has answered. A listener that has not answered within the timeout has its
   connection closed (`pg_terminate_backend`); a process whose listener is not connected
   caches nothing and looks every token up.

NOTIFY alone is asynchronous: without step 3 a busy process could accept a revoked token
for a few requests after the revocation returned. With it, the cost of a revocation is one
round trip to each process; the hot path of a request costs none.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from time import monotonic

from sqlalchemy import URL

CHANNEL = "guanai_tokens"  # a token was revoked; the payload is the revocation's id
ACK_CHANNEL = "guanai_tokens_ack"  # a listener's answer; the payload is the same id
LISTENER_NAME = "guanai-token-cache"  # application_name of the listeners' connections
CONFIRM_TIMEOUT_S = 5.0

logger = logging.getLogger("guanai.tokens")

_LISTENERS = (
    "SELECT pid FROM pg_stat_activity WHERE application_name = %s "
    "AND datname = current_database() AND pid <> pg_backend_pid()"
)


def libpq_url(url: URL) -> str:
    """The SQLAlchemy URL as psycopg takes it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Revocation:
    """One revocation in progress: its id, and the answers of the listeners."""

    def __init__(self, connection: object) -> None:
        self.id = uuid.uuid4().hex
        self._connection = connection
        self.confirmed: set[int] = set()
        self.cut_off: set[int] = set()

    def wait(self, timeout: float) -> None:
        """Wait until every connected listener has answered; cut off those that do not."""
        import psycopg

        connection = self._connection
        assert isinstance(connection, psycopg.Connection)
        deadline = monotonic() + timeout
        while True:
            waiting = {row[0] for row in connection.execute(_LISTENERS, (LISTENER_NAME,))}
            waiting -= self.confirmed
            if not waiting:
                return
            if monotonic() >= deadline:
                break
            for note in connection.notifies(timeout=0.05):
                if note.payload == self.id:
                    self.confirmed.add(note.pid)
        for pid in waiting:
            connection.execute("SELECT pg_terminate_backend(%s)", (pid,))
        self.cut_off = waiting
        logger.warning(
            "token revocation: %d process(es) did not confirm within %.1f s; their caches "
            "were cut off from the database and look every token up until they reconnect",
            len(waiting),
            timeout,
        )


@contextmanager
def confirmed(url: URL, timeout: float = CONFIRM_TIMEOUT_S) -> Iterator[Revocation]:
    """Listen for the answers, let the caller commit `NOTIFY guanai_tokens, id`, then wait
    for every process to confirm (on leaving the block without an error)."""
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"LISTEN {ACK_CHANNEL}")
        revocation = Revocation(connection)
        yield revocation
        revocation.wait(timeout)


class Listener:
    """The cache's side: a thread that counts revocations and confirms each one.

    `version()` is the number of revocations heard (plus one for every reconnection), or
    None while not connected — then nothing may be served from the cache.
    """

    def __init__(self, url: URL) -> None:
        self._url = libpq_url(url)
        self._count = 0
        self._connected = False
        self._stop = threading.Event()
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="token-listener", daemon=True)
        self._thread.start()

    def version(self) -> int | None:
        """The current version, or None while not listening."""
        return self._count if self._connected else None

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=5,
                    application_name=LISTENER_NAME,
                ) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._count += 1  # whatever was revoked while not listening
                    self._connected = True
                    self.ready.set()
                    while not self._stop.is_set():
                        heard = list(connection.notifies(timeout=0.5, stop_after=1))
                        if not heard:
                            continue
                        self._count += 1  # first the cache moves on, then the answer
                        for note in heard:
                            connection.execute(
                                "SELECT pg_notify(%s, %s)", (ACK_CHANNEL, note.payload)
                            )
            except psycopg.Error as exc:
                logger.warning("token listener disconnected (%s); not caching", type(exc).__name__)
            finally:
                self._connected = False
            self._stop.wait(0.5)

    def close(self) -> None:
        """Stop the thread (it wakes within half a second)."""
        self._stop.set()
        self._thread.join(timeout=5)
