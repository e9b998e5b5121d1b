"""Storing a survey chunk by chunk, each row whole or not at all, and the error report."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from engine import Evaluator
from ledger.db import Ledger
from ledger.survey.cells import RowProblem
from ledger.survey.chunks import DATABASE_FAILED, Chunk, Rows, classify
from ledger.survey.pool import Evaluations
from ledger.survey.sheet import REPORT_HEADER, WHOLE_ROW, Column, Outcome
from ledger.survey.writing import build, write_chunk


@dataclass
class ImportReport:
    """What an import did so far."""

    rows: int = 0
    imported: int = 0
    existing: int = 0
    failed: int = 0
    blank: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    aborted: str | None = None


# -- importing ----------------------------------------------------------------------------
CHUNK_ROWS = 200  # rows per transaction; Ctrl+C stops between two chunks
AHEAD = 2  # chunks being evaluated while one is written (a slow commit leaves work queued)


def import_rows(
    ledger: Ledger,
    evaluator: Evaluator,
    columns: list[Column],
    rows: Iterable[tuple[int, list[Any]]],
    report: ImportReport,
    *,
    as_of: date,
    actor: str,
    on_row: Callable[[Outcome], None] | None = None,
    stop: Callable[[], bool] | None = None,
    evaluations: Evaluations | None = None,
) -> ImportReport:
    """Store the rows chunk by chunk, each chunk in one transaction (a bad row isolated by a
    savepoint); `report` is kept up to date as chunks are committed. `stop()` is asked
    before each chunk is read and again just before it is written (Ctrl+C ends the import
    between two chunks). While one chunk is written, the next `AHEAD` are being evaluated
    (in other processes for a large sheet: `evaluations`, started early by the caller, or
    here); a chunk prepared but not written when the import stops is dropped whole."""
    rows = list(rows)
    own = evaluations is None
    if evaluations is None:
        evaluations = Evaluations(evaluator, len(rows))
    state = Rows(columns, ledger.secret, evaluations, as_of)
    seen: dict[str, str] = {}  # ID hash → case stored by this import

    def stopped() -> bool:
        if report.aborted is None and stop is not None and stop():
            report.aborted = "interrupted"
        return report.aborted is not None

    try:
        waiting: deque[Chunk] = deque()  # prepared, being evaluated, in order
        for start in range(0, len(rows), CHUNK_ROWS):
            if stopped():
                break
            with ledger.session() as session:
                waiting.append(state.prepare(session, rows[start : start + CHUNK_ROWS]))
            if len(waiting) > AHEAD:
                _write(ledger, state, waiting.popleft(), seen, report, actor, on_row, stopped)
            if stopped():
                break
        while waiting and not stopped():
            _write(ledger, state, waiting.popleft(), seen, report, actor, on_row, stopped)
    finally:
        if own:
            evaluations.close()
    return report


def _write(
    ledger: Ledger,
    state: Rows,
    chunk: Chunk,
    seen: dict[str, str],
    report: ImportReport,
    actor: str,
    on_row: Callable[[Outcome], None] | None,
    stopped: Callable[[], bool],
) -> None:
    """Write one chunk, then report its rows in order — unless Ctrl+C came while it was
    being evaluated: then nothing of it is written or reported."""
    cases = state.evaluated(chunk, seen)
    if stopped():
        for case in cases:
            if case.hashed is not None:
                seen.pop(case.hashed, None)
        return
    for case in cases:
        build(case, actor)
    entries = chunk.entries
    with ledger.session() as session:
        try:
            failed = write_chunk(session, cases, classify)
        except SQLAlchemyError as exc:  # nothing of the chunk was committed: stop here
            session.rollback()
            report.aborted = type(exc).__name__
            first = next((i for i, e in enumerate(entries) if e.outcome is None), len(entries))
            entries = entries[: first + 1]
            if first < len(chunk.entries):
                entries[first].outcome = "failed"
                entries[first].problems = [RowProblem(entries[first].number, WHOLE_ROW,
                                                      *DATABASE_FAILED)]  # fmt: skip
            for case in cases:
                if case.hashed is not None:
                    seen.pop(case.hashed, None)
            failed = {}
    state.settle(chunk, failed, seen)
    if report.aborted is None and "database" in failed.values():
        report.aborted = "IntegrityError"
    for entry in entries:
        outcome = entry.outcome or "failed"
        if outcome == "blank":
            report.blank += 1
        else:
            report.rows += 1
            if outcome == "imported":
                report.imported += 1
            elif outcome == "existing":
                report.existing += 1
            else:
                _failed(report, entry.problems)
        if on_row:
            on_row(outcome)


def _failed(report: ImportReport, problems: list[RowProblem]) -> Outcome:
    report.failed += 1
    report.problems += problems
    return "failed"


# -- the error report ---------------------------------------------------------------------
def default_report_path(path: Path) -> Path:
    """村摸排表.xlsx → 村摸排表-导入错误.csv, next to it."""
    return path.with_name(f"{path.stem}-导入错误.csv")


def write_report(path: Path, problems: list[RowProblem]) -> None:
    """The error report: CSV in UTF-8 with a BOM (Excel and WPS open it as Chinese)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REPORT_HEADER)
        for p in sorted(problems, key=lambda p: p.row):
            writer.writerow((p.row, p.field, p.zh, p.en))
