"""The ledger database: an embedded SQLite file by default, PostgreSQL via DATABASE_URL.

Migrations (Alembic, ledger/migrations) are applied on start, under a lock so that several
workers starting at once migrate one after the other (`startup_lock`: an advisory lock on
PostgreSQL, a file lock beside the database file on SQLite). A ledger already at the newest
migration is recognised by one SELECT of its revision (Alembic, about a quarter of a second
to import, is loaded only to migrate). SQLite runs in WAL mode with `synchronous=FULL`, so an
acknowledged write survives the process being killed.
"""

from __future__ import annotations

import fcntl
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from ledger.json_text import json_text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite the file's folder is created and pragmas set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            json_serializer=json_text,
            hide_parameters=True,  # an error must never carry a name or an ID into a log
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(
        url,
        json_serializer=json_text,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
    )


STARTUP_LOCK = 7250327  # the PostgreSQL advisory lock key


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Held by one process at a time: migrations and first-start set-up (several workers)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.lock").open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_REVISION = re.compile(r"""^(down_revision|revision)\b[^=\n]*=\s*(None|["']([^"'\n]+)["'])""", re.M)


def head_revision() -> str | None:
    """The newest migration's revision, read from the migration files' `revision` and
    `down_revision` lines (None if they do not form one line of history: let Alembic judge)."""
    revisions: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = {m[1]: m[3] or None for m in _REVISION.finditer(path.read_text("utf-8"))}
        if "revision" not in found or "down_revision" not in found:
            return None
        revision = found["revision"]
        if revision is None or revision in revisions:
            return None
        revisions[revision] = found["down_revision"]
    heads = set(revisions) - set(revisions.values())
    return heads.pop() if len(heads) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The ledger's revision (one SELECT), or None if it has none (a new database)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no alembic_version table yet
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (serialised across processes). A ledger
    already at the newest one is left alone without loading Alembic."""
    head = head_revision()
    if head is not None and current_revision(engine) == head:
        return  # committed at head: nothing to do, no lock to wait for
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with startup_lock(engine), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@dataclass(frozen=True)
class Ledger:
    """The open ledger: its engine and the identity secret."""

    engine: Engine
    secret: str

    @classmethod
    def open(cls, url: str, secret: str) -> Ledger:
        """Connect and migrate."""
        engine = make_engine(url)
        migrate(engine)
        return cls(engine=engine, secret=secret)

    def session(self) -> Session:
        """A new session (objects stay usable after commit)."""
        return Session(self.engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
