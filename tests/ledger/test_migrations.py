"""The migrations are one line of history, and after them the schema is what the models say."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import SQLModel

import ledger.models  # noqa: F401  (registers every table on SQLModel.metadata)
from ledger.db import MIGRATIONS, current_revision, head_revision, make_engine, migrate


def test_the_migrations_have_exactly_one_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several heads: {heads} — add a merge revision"
    # the head start-up compares the ledger's revision with, read without Alembic
    assert head_revision() == heads[0]


def test_a_ledger_behind_the_head_is_migrated_and_one_at_it_is_left_alone(
    tmp_path: Path,
) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path}/ledger.db")
    try:
        assert current_revision(engine) is None  # a new database
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
        assert current_revision(engine) == "0003"
        migrate(engine)
        assert current_revision(engine) == head_revision()
        with engine.begin() as connection:  # a schema at head is not touched again
            connection.execute(text("CREATE TABLE marker (id INTEGER)"))
        migrate(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM marker")).scalar() == 0
    finally:
        engine.dispose()


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
