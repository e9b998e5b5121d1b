"""The fast paths of a large import write what `create_case` writes, on both ledgers: the
evaluating processes (forked, or spawned when the parent has other threads) that send
each assessment back as the ledger's JSON text, and the bulk writer (an executemany of
plain tuples on SQLite, COPY on PostgreSQL). A unique constraint broken by a concurrent
writer still falls back to one savepoint per row."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine import Evaluator, load_policy
from ledger import survey
from ledger.cases import create_case
from ledger.db import Ledger
from ledger.survey import pool
from ledger.survey.writing import write_chunk
from tests.conftest import REGIONS
from tests.postgres import fresh_postgres_database
from tests.survey.conftest import SECRET, Db
from tests.survey.sheets import women, write_csv
from tests.survey.test_bulk_writes import assert_same_rows, create_each
from tests.survey.test_import import orphans

DAY = date(2025, 6, 1)
ALONE = "GUANAI_TEST_FORK_ALONE"  # set for the run of one case in a fresh interpreter


@contextmanager
def two_ledgers(kind: str, tmp_path: Path) -> Iterator[tuple[Ledger, Ledger]]:
    """Two empty ledgers of one kind: one for `create_case`, one for the import."""
    if kind == "sqlite":
        urls = [f"sqlite:///{tmp_path}/orm.db", f"sqlite:///{tmp_path}/bulk.db"]
        yield Ledger.open(urls[0], SECRET), Ledger.open(urls[1], SECRET)
        return
    with fresh_postgres_database() as first, fresh_postgres_database() as second:
        one, other = Ledger.open(first, SECRET), Ledger.open(second, SECRET)
        try:
            yield one, other
        finally:
            one.engine.dispose()
            other.engine.dispose()


@pytest.mark.parametrize(
    ("kind", "start"),
    [
        ("sqlite", "fork"),
        ("sqlite", "spawn"),
        pytest.param("postgresql", "fork", marks=pytest.mark.postgres),
    ],
)
def test_the_evaluating_processes_and_the_bulk_writer_write_what_create_case_writes(
    kind: str,
    start: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    if start == "fork" and not pool.can_fork():
        # earlier tests of this run left threads behind (idle thread pools), so this process
        # may not fork, as `guanai ledger import` never does then: run this case alone
        assert not os.environ.get(ALONE), f"threads even when run alone: {threading.enumerate()}"
        done = subprocess.run(
            [sys.executable, "-m", "pytest", request.node.nodeid, "-q", "-p", "no:cacheprovider"],
            env={**os.environ, ALONE: "1"},
            cwd=request.config.rootpath,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
        assert "1 passed" in done.stdout, done.stdout[-2000:]
        return
    monkeypatch.setattr(pool, "POOL_FROM_ROWS", 1)  # 60 rows through the processes
    if start == "spawn":
        monkeypatch.setattr(pool, "can_fork", lambda: False)
    sheet = survey.read_sheet(write_csv(tmp_path / "survey.csv", women(60)))
    evaluator = Evaluator(load_policy(extra_dirs=[REGIONS]))
    columns = survey.map_columns(sheet.headers, evaluator.catalog.facts)
    evaluations = survey.Evaluations(evaluator, len(sheet.rows))
    try:
        assert evaluations.pool is not None
        context = evaluations.pool._mp_context
        assert context is not None and context.get_start_method() == start
        with two_ledgers(kind, tmp_path) as (one_by_one, bulk):
            stored = create_each(one_by_one, evaluator, columns, sheet.rows)
            report = survey.import_rows(
                bulk, evaluator, columns, sheet.rows, survey.ImportReport(),
                as_of=DAY, actor="test", evaluations=evaluations,
            )  # fmt: skip
            assert stored > 30 and (report.imported, report.failed) == (stored, 60 - stored)
            assert_same_rows(one_by_one, bulk)
    finally:
        evaluations.close()
        evaluator.close()


def test_a_woman_stored_meanwhile_by_another_writer_fails_alone(
    db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the chunk's look-ups and its write, another writer stores the woman of row
    4: the bulk insert breaks the unique ID constraint, the chunk is written again row by
    row, and only that row fails, named as a duplicate."""
    sheet = survey.read_sheet(write_csv(tmp_path / "survey.csv", women(6)))
    evaluator = Evaluator(load_policy(extra_dirs=[REGIONS]))
    columns = survey.map_columns(sheet.headers, evaluator.catalog.facts)
    ledger = db.ledger()
    real = write_chunk
    calls: list[int] = []

    def meanwhile(session: Any, cases: list[Any], classify: Any) -> dict[str, str]:
        if not calls:
            row = survey.parse_row(columns, *sheet.rows[2])
            assert row.village is not None and row.profile.get("id_number")
            with ledger.session() as other:
                create_case(other, evaluator, profile=row.profile, village=row.village,
                            as_of=DAY, actor="other", secret=SECRET)  # fmt: skip
        calls.append(len(cases))
        return real(session, cases, classify)

    monkeypatch.setattr("ledger.survey.importing.write_chunk", meanwhile)
    try:
        report = survey.import_rows(
            ledger, evaluator, columns, sheet.rows, survey.ImportReport(), as_of=DAY, actor="t"
        )
    finally:
        evaluator.close()
        ledger.engine.dispose()
    assert calls == [6]
    assert (report.imported, report.failed) == (5, 1)
    assert [(p.row, p.field) for p in report.problems] == [(4, "身份证号 (id_number)")]
    assert "已有个案" in report.problems[0].zh
    assert db.counts()["cases"] == 6 and orphans(db) == 0


def _import_through_workers(
    db: Db, sheet: survey.Sheet, stop: Any = None
) -> tuple[survey.ImportReport, list[str]]:
    """Import `sheet` in chunks of 5 rows, evaluated by the processes; the outcomes."""
    evaluator = Evaluator(load_policy(extra_dirs=[REGIONS]))
    columns = survey.map_columns(sheet.headers, evaluator.catalog.facts)
    ledger = db.ledger()
    outcomes: list[str] = []
    try:
        with survey.Evaluations(evaluator, len(sheet.rows)) as evaluations:
            assert evaluations.pool is not None
            report = survey.import_rows(
                ledger, evaluator, columns, sheet.rows, survey.ImportReport(), as_of=DAY,
                actor="t", on_row=outcomes.append, stop=stop, evaluations=evaluations,
            )  # fmt: skip
    finally:
        evaluator.close()
        ledger.engine.dispose()
    return report, outcomes


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 5 rows, evaluated by the processes however few rows there are."""
    monkeypatch.setattr(pool, "POOL_FROM_ROWS", 1)
    monkeypatch.setattr("ledger.survey.importing.CHUNK_ROWS", 5)


@pytest.mark.usefixtures("small_chunks")
def test_an_id_repeated_chunks_later_is_found_while_chunks_are_evaluated_ahead(
    db: Db, tmp_path: Path
) -> None:
    rows = women(40)
    rows[31] = rows[31] | {"身份证号": rows[2]["身份证号"]}  # rows 4 and 33 of the sheet
    sheet = survey.read_sheet(write_csv(tmp_path / "survey.csv", rows))
    report, outcomes = _import_through_workers(db, sheet)
    assert (report.imported, report.failed) == (39, 1)
    assert [(p.row, p.field) for p in report.problems] == [(33, "身份证号 (id_number)")]
    assert outcomes[31] == "failed" and outcomes.count("imported") == 39
    assert db.counts()["cases"] == 39 and orphans(db) == 0


@pytest.mark.usefixtures("small_chunks")
def test_a_stop_between_chunks_drops_the_chunks_evaluated_ahead_and_a_rerun_finishes(
    db: Db, tmp_path: Path
) -> None:
    sheet = survey.read_sheet(write_csv(tmp_path / "survey.csv", women(40)))

    def stop() -> bool:  # Ctrl+C once the third chunk is committed
        return db.counts()["cases"] >= 12

    report, outcomes = _import_through_workers(db, sheet, stop)
    stored = db.counts()["cases"]
    assert report.aborted == "interrupted"
    assert stored == report.imported == len(outcomes) == 15  # three whole chunks, no more
    assert orphans(db) == 0
    again, _ = _import_through_workers(db, sheet)
    assert (again.imported, again.existing, again.failed) == (25, 15, 0)
    assert db.counts()["cases"] == 40
