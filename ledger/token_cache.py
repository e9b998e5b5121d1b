"""A per-process cache of token → principal that a revocation empties at once, in every
process, without a database round trip on the hot path.

The cache is valid for one *version* of the token table, read cheaply:
- SQLite: `PRAGMA data_version` on a connection of the cache's own — an in-process read of
  the WAL index that changes whenever any other connection (any process) commits. A commit
  of anything empties the cache; the next request looks its token up once more.
- PostgreSQL: a counter moved by the process's revocation listener (ledger/revocation.py),
  which confirms every revocation to the revoker after moving it; a revocation returns only
  when every listening process has confirmed. While the listener is not connected (start-up,
  a lost connection) the version is None and nothing is cached: every request looks up.
Only valid tokens are cached; unknown and revoked ones are looked up every time.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from typing import Any

from ledger import revocation
from ledger.db import Ledger
from ledger.principal import Principal
from ledger.tokens import PREFIX, principal_for, token_hash


class _SqliteVersion:
    def __init__(self, database: str) -> None:
        self._connection = sqlite3.connect(database, check_same_thread=False)
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            return self._connection.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self._connection.close()


class TokenCache:
    """`principal(token)` like `ledger.tokens.principal_for`, cached per table version."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._entries: dict[str, Principal] = {}
        self._version: Any = None
        self._lock = threading.Lock()
        url = ledger.engine.url
        self._read_version: _SqliteVersion | None = None
        self._listener: revocation.Listener | None = None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self._read_version = _SqliteVersion(str(url.database))
        elif url.get_backend_name() == "postgresql":
            self._listener = revocation.Listener(url)

    def cached(self, token: str) -> Principal | None:
        """The principal, if this process holds the token in its cache at the current
        version; None means "look it up" (`principal`). Never queries the database."""
        return self._lookup(token)[1]

    def principal(self, token: str) -> Principal | None:
        """The principal a token stands for, or None when unknown or revoked."""
        if not token.startswith(PREFIX):
            return None
        version, found = self._lookup(token)
        if found is not None:
            return found
        found = principal_for(self.ledger, token)
        if found is not None and version is not None:
            with self._lock:
                if self._version == version:  # else a change came in meanwhile: don't keep
                    self._entries[token_hash(token)] = found
        return found

    def _lookup(self, token: str) -> tuple[Any, Principal | None]:
        """The current version (None: nothing may be served from the cache) and the
        principal cached for the token at that version; the cache is emptied first when
        the version moved on."""
        if not token.startswith(PREFIX):
            return None, None
        version = self._version_now()
        if version is None:
            return None, None
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
            return version, self._entries.get(token_hash(token))

    def _version_now(self) -> Any:
        if self._read_version is not None:
            return self._read_version()
        if self._listener is not None:
            return self._listener.version()
        return None

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Wait until the cache can serve (PostgreSQL: the listener is connected)."""
        return self._listener is None or self._listener.ready.wait(timeout)

    def clear(self) -> None:
        """Forget every entry (this process revoked a token)."""
        with self._lock:
            self._entries.clear()

    def close(self) -> None:
        """Stop the listener, close the version connection."""
        if self._listener is not None:
            self._listener.close()
        if self._read_version is not None:
            with contextlib.suppress(Exception):
                self._read_version.close()
