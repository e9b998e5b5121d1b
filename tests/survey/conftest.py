"""The survey import on both ledgers: an SQLite file per test, and one PostgreSQL database
for the session (created here, emptied before each test, dropped at the end)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.db import Ledger, make_engine
from tests.conftest import REGIONS
from tests.postgres import fresh_postgres_database

SECRET = "survey-test-identity-secret-0123456789abcdef"
TABLES = (
    "cases",
    "profile_versions",
    "assessments",
    "case_codes",
    "case_classifications",
    "referrals",
    "referral_events",
    "events",
)


@pytest.fixture(scope="session")
def postgres_ledger() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, migrated; PostgreSQL down = failure."""
    with fresh_postgres_database() as url:
        Ledger.open(url, SECRET).engine.dispose()
        yield url


@dataclass(frozen=True)
class Db:
    """The ledger a test imports into."""

    url: str

    def counts(self) -> dict[str, int]:
        """Rows in each ledger table."""
        engine = make_engine(self.url)
        try:
            with engine.connect() as connection:
                return {
                    t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in TABLES
                }
        finally:
            engine.dispose()

    def scalar(self, sql: str) -> object:
        """One value from the ledger."""
        engine = make_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.execute(text(sql)).scalar()
        finally:
            engine.dispose()

    def ledger(self) -> Ledger:
        """The ledger opened as the import opens it."""
        return Ledger.open(self.url, SECRET)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    """An empty ledger: a new SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return Db(f"sqlite:///{tmp_path}/ledger.db")
    url: str = request.getfixturevalue("postgres_ledger")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            tables = connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ).scalars()
            connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
    finally:
        engine.dispose()
    return Db(url)


def run_import(db: Db, path: Path, *args: str) -> Result:
    """`guanai ledger import PATH ARGS…` against `db`, with the test regions' parameters."""
    env = {"DATABASE_URL": db.url, "IDENTITY_SECRET": SECRET, "POLICY_PATHS": str(REGIONS)}
    return CliRunner().invoke(
        app, ["ledger", "import", str(path), "--as-of", "2025-06-01", *args], env=env
    )
