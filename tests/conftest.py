"""Shared fixtures: the shipped policy, and the shipped policy plus the test regions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Evaluator, Policy, load_policy
from tests.postgres import fresh_postgres_database

FIXTURES = Path(__file__).parent / "fixtures"
# Every app and server a test starts knows this admin token (GUANAI_ADMIN_TOKEN).
ADMIN_TOKEN = "gat_test-admin-token-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
REGIONS = FIXTURES / "regions"


@pytest.fixture(scope="session")
def policy() -> Policy:
    """The shipped policies with the fictitious test regions (湖南, 长沙, 甘肃) added."""
    return load_policy(extra_dirs=[REGIONS])


@pytest.fixture(scope="session")
def shipped_policy() -> Policy:
    """The shipped policies alone."""
    return load_policy()


@pytest.fixture(scope="session")
def evaluator(policy: Policy) -> Iterator[Evaluator]:
    """One evaluator over `policy`, shared by the session."""
    ev = Evaluator(policy)
    yield ev
    ev.close()


@pytest.fixture(scope="session", autouse=True)
def _private_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Apps and servers started by tests keep their ledger, secret and policy cache in a
    temporary folder."""
    folder = tmp_path_factory.mktemp("ledger")
    names = ("DATABASE_URL", "SECRET_FILE", "GUANAI_ADMIN_TOKEN", "POLICY_CACHE_DIR")
    saved = {k: os.environ.get(k) for k in names}
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/guanai.db"
    os.environ["SECRET_FILE"] = str(folder / "identity.key")
    os.environ["POLICY_CACHE_DIR"] = str(folder / "cache")
    os.environ["GUANAI_ADMIN_TOKEN"] = ADMIN_TOKEN
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh ledger database: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/ledger.db"
    else:
        with fresh_postgres_database() as url:
            yield url
