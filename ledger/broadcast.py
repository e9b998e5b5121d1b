"""One service across processes: PostgreSQL LISTEN/NOTIFY between the replicas.

Every process listens on the channels; a process that puts a policy set in service (start or
reload) sends its version on `guanai_policy` (ledger/policy_versions.activate); token
revocations have a protocol of their own (ledger/revocation.py). The listener runs in a
thread of its own, on a connection of its own, and calls back with the payload. On
(re)connecting it calls back with `None` first, so the caller can catch up on anything said
while it was not listening.
SQLite has no NOTIFY: there the listener does nothing (one process per SQLite file).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine, text

from ledger.policy_versions import CHANNEL as POLICY_CHANNEL

CHANNELS = (POLICY_CHANNEL,)

logger = logging.getLogger("guanai.broadcast")

Callback = Callable[[str, str | None], None]


def notify(engine: Engine, channel: str, payload: str) -> None:
    """Send `payload` to every listening process (PostgreSQL; nothing on SQLite)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})


class Listener:
    """A thread that LISTENs on the channels and calls `callback(channel, payload)`."""

    def __init__(self, engine: Engine, callback: Callback) -> None:
        self.engine = engine
        self.callback = callback
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()  # set once LISTEN is in place

    def start(self) -> None:
        """Start listening (PostgreSQL only)."""
        if self.engine.dialect.name != "postgresql":
            self.ready.set()
            return
        self._thread = threading.Thread(target=self._run, name="guanai-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (it wakes within a second)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
                    for channel in CHANNELS:
                        connection.execute(f"LISTEN {channel}")
                    self.ready.set()
                    self._safely(POLICY_CHANNEL, None)
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=1.0):
                            self._safely(note.channel, note.payload)
            except psycopg.Error as exc:
                logger.warning("listener disconnected (%s); retrying", type(exc).__name__)
                self._stop.wait(1.0)

    def _safely(self, channel: str, payload: str | None) -> None:
        try:
            self.callback(channel, payload)
        except Exception:  # a failing callback must not stop the listening
            logger.exception("listener callback failed on %s", channel)
