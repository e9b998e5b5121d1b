"""Storing a survey row by row, each whole or not at all, and the error report."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from engine import Evaluator, FieldError, ProfileError, RulesRuntimeError
from ledger.cases import create_case
from ledger.db import Ledger
from ledger.errors import DuplicateCase
from ledger.models import Case
from ledger.survey.cells import Row, RowProblem, parse_row, row_key
from ledger.survey.sheet import REPORT_HEADER, WHOLE_ROW, Column, Outcome


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
) -> ImportReport:
    """Store each row in its own transaction; `report` is kept up to date as rows go by.
    `stop()` is asked before each row (Ctrl+C ends the import between two rows)."""
    labels = {c.target: c.label for c in columns if c.target}
    occurrences: Counter[str] = Counter()
    for number, cells in rows:
        if stop is not None and stop():
            report.aborted = "interrupted"
            break
        row = parse_row(columns, number, cells)
        if row.blank:
            report.blank += 1
            outcome: Outcome = "blank"
        else:
            content = row.content()
            occurrences[content] += 1
            key = row_key(ledger.secret, content, occurrences[content])
            outcome = _store(ledger, evaluator, row, key, labels, report, as_of, actor)
            report.rows += 1
        if on_row:
            on_row(outcome)
        if report.aborted:
            break
    return report


def _store(
    ledger: Ledger,
    evaluator: Evaluator,
    row: Row,
    key: str,
    labels: Mapping[str, str],
    report: ImportReport,
    as_of: date,
    actor: str,
) -> Outcome:
    """One row in one transaction: stored whole, found already stored, or not stored."""

    def problems(errors: Iterable[FieldError]) -> list[RowProblem]:
        return [
            RowProblem(row.number, labels.get(e.field.split(".")[0], e.field), e.zh, e.en)
            for e in errors
        ]

    if row.problems or row.village is None:  # say everything wrong with the row at once
        try:
            Evaluator.validate(row.profile)
        except ProfileError as exc:
            return _failed(report, [*row.problems, *problems(exc.errors)])
        return _failed(report, row.problems)
    with ledger.session() as session:
        try:
            # create_case would find the row too, but it loads the whole first assessment
            if session.exec(select(Case.id).where(Case.idempotency_key == key)).first():
                session.rollback()
                report.existing += 1
                return "existing"
            outcome = create_case(
                session,
                evaluator,
                profile=row.profile,
                village=row.village,
                as_of=row.as_of or as_of,
                actor=actor,
                secret=ledger.secret,
                idempotency_key=key,
            )
        except ProfileError as exc:
            session.rollback()
            return _failed(report, problems(exc.errors))
        except DuplicateCase as exc:
            session.rollback()
            case = exc.case_id or ""
            zh = f"该身份证号在台账中已有个案（{case}），未重复建档；如有变化请更新该个案"
            en = f"a case with this ID number exists ({case}); not created again"
            return _failed(report, [RowProblem(row.number, labels["id_number"], zh, en)])
        except RulesRuntimeError:
            session.rollback()
            zh = "规则引擎内部错误，本行未保存（不是本行数据的问题，请报告）"
            en = "internal error of the rules engine; row not stored (please report it)"
            return _failed(report, [RowProblem(row.number, WHOLE_ROW, zh, en)])
        except SQLAlchemyError as exc:
            session.rollback()
            report.aborted = type(exc).__name__
            zh, en = (
                "数据库错误，本行未保存，导入中止",
                "database error; row not stored, import stopped",
            )
            return _failed(report, [RowProblem(row.number, WHOLE_ROW, zh, en)])
        except BaseException:
            session.rollback()
            raise
    if outcome.replayed:
        report.existing += 1
        return "existing"
    report.imported += 1
    return "imported"


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
