"""Sending a chunk's records to the database: exactly the values a Core `insert()` would
send — each column's own bind processor for the dialect (time stamps, dates, JSON) — but
without SQLAlchemy building a parameter set per record, which cost more than the database's
own work. On SQLite one `executemany` of plain tuples per table; on PostgreSQL (psycopg)
one COPY per table, which also halves the server's work per row (fewer statements to run).
Errors come back as SQLAlchemy's exceptions (IntegrityError for a unique constraint), so a
failed chunk falls back to one savepoint per row as before. Another driver gets the Core
insert. Each record carries every column but the integer ids the database numbers, and
the columns in `TEXT_COLUMNS` as the JSON text the ledger stores (`ledger.db.json_text`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from ledger.models import Assessment

TEXT_COLUMNS: dict[type[SQLModel], str] = {Assessment: "result"}
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    """How one table's records are sent on one dialect."""

    names: tuple[str, ...]
    processors: tuple[Processor, ...]
    sql: str

    def values(self, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        pairs = list(zip(self.names, self.processors, strict=True))
        return [tuple([p(r[n]) if p else r[n] for n, p in pairs]) for r in rows]


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


@cache
def _plan(model: type[SQLModel], names: tuple[str, ...], dialect: Dialect) -> _Plan:
    table, quote = _table(model), dialect.identifier_preparer.quote
    processors: list[Processor] = []
    for name in names:
        if TEXT_COLUMNS.get(model) == name:
            processors.append(None)  # already the JSON text; PostgreSQL's COPY reads it
        else:
            kind = table.columns[name].type
            processors.append(kind.dialect_impl(dialect).bind_processor(dialect))
    columns = ", ".join(quote(n) for n in names)
    if dialect.name == "postgresql":
        sql = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
    else:
        sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join('?' * len(names))})"
    return _Plan(names, tuple(processors), sql)


def insert_records(
    connection: Connection, model: type[SQLModel], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert `rows` (records of `model`'s table, all with the same columns) in the
    connection's transaction."""
    dialect = connection.dialect
    names = tuple(rows[0])
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        plan = _plan(model, names, dialect)
        connection.exec_driver_sql(plan.sql, plan.values(rows))
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy(connection, _plan(model, names, dialect), rows)
    else:
        text = TEXT_COLUMNS.get(model)
        if text is not None:
            rows = [{**r, text: json.loads(r[text])} for r in rows]
        connection.execute(insert(_table(model)), list(rows))


def _copy(connection: Connection, plan: _Plan, rows: Sequence[dict[str, Any]]) -> None:
    import psycopg

    values = plan.values(rows)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(plan.sql) as copy:
            for record in values:
                copy.write_row(record)
    except psycopg.Error as exc:  # as SQLAlchemy would raise it (no parameters shown)
        raise DBAPIError.instance(
            plan.sql, None, exc, psycopg.Error, hide_parameters=True, dialect=connection.dialect
        ) from exc
    finally:
        cursor.close()
