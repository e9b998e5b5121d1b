"""The migrations are one line of history, and after them the schema is what the models say."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import ledger.models  # noqa: F401  (registers every table on SQLModel.metadata)
from ledger.db import MIGRATIONS, make_engine, migrate


def test_the_migrations_have_exactly_one_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several heads: {heads} — add a merge revision"


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_after_migrating_the_schema_matches_the_models(backend: str, tmp_path: Path) -> None:
    from tests.postgres import fresh_postgres_database

    def check(url: str) -> None:
        engine = make_engine(url)
        try:
            migrate(engine)
            with engine.connect() as connection:
                diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
        finally:
            engine.dispose()
        # only table and column presence: types and server defaults differ by dialect
        structural = [
            d
            for d in diff
            if isinstance(d, tuple)
            and d[0] in ("add_table", "remove_table", "add_column", "remove_column")
        ]
        assert structural == []

    if backend == "sqlite":
        check(f"sqlite:///{tmp_path}/ledger.db")
    else:
        with fresh_postgres_database() as url:
            check(url)


def test_a_model_without_its_migration_is_found(tmp_path: Path) -> None:
    from sqlalchemy import Column, Integer, MetaData, Table

    engine = make_engine(f"sqlite:///{tmp_path}/ledger.db")
    try:
        migrate(engine)
        metadata = MetaData()
        for table in SQLModel.metadata.tables.values():
            table.to_metadata(metadata)
        Table("not_migrated", metadata, Column("id", Integer, primary_key=True))
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert ("add_table", "not_migrated") in [
        (d[0], d[1].name) for d in diff if isinstance(d, tuple)
    ]
