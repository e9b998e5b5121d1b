"""One chunk of survey rows: parsed and checked (row keys and ID numbers looked up once for
the whole chunk), evaluated (perhaps in other processes), then written in one transaction
(ledger/survey/writing.py) and reported row by row, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from engine import Evaluator, FieldError, ProfileError
from ledger.cases import request_fingerprint
from ledger.identity import id_hash
from ledger.models import Case
from ledger.survey.cells import RowProblem, parse_row, row_key
from ledger.survey.pool import Answer, Evaluations
from ledger.survey.sheet import WHOLE_ROW, Column, Outcome
from ledger.survey.writing import NewCase

ENGINE_FAILED = (
    "规则引擎内部错误，本行未保存（不是本行数据的问题，请报告）",
    "internal error of the rules engine; row not stored (please report it)",
)
DATABASE_FAILED = (
    "数据库错误，本行未保存，导入中止",
    "database error; row not stored, import stopped",
)


@dataclass
class Entry:
    """One row of the chunk and what became of it (`outcome` None: still to be written)."""

    number: int
    outcome: Outcome | None
    problems: list[RowProblem] = field(default_factory=list)
    case: NewCase | None = None


@dataclass
class Chunk:
    """Rows in order, and the evaluations of those that are new cases."""

    entries: list[Entry]
    answers: Callable[[], list[Answer]]

    @property
    def new(self) -> list[Entry]:
        return [e for e in self.entries if e.outcome is None]


class Rows:
    """What the import knows across chunks: the columns, the secret, the row keys."""

    def __init__(
        self, columns: list[Column], secret: str, evaluations: Evaluations, as_of: date
    ) -> None:
        self.columns, self.secret, self.evaluations, self.as_of = (
            columns,
            secret,
            evaluations,
            as_of,
        )
        self.labels = {c.target: c.label for c in columns if c.target}
        self.occurrences: dict[str, int] = {}

    def problems(self, number: int, errors: Iterable[FieldError]) -> list[RowProblem]:
        return [
            RowProblem(number, self.labels.get(e.field.split(".")[0], e.field), e.zh, e.en)
            for e in errors
        ]

    def duplicate(self, number: int, case_id: str) -> list[RowProblem]:
        zh = f"该身份证号在台账中已有个案（{case_id}），未重复建档；如有变化请更新该个案"
        en = f"a case with this ID number exists ({case_id}); not created again"
        return [RowProblem(number, self.labels["id_number"], zh, en)]

    def prepare(self, session: Session, rows: list[tuple[int, list[Any]]]) -> Chunk:
        """Parse and check the rows, and start evaluating the new ones."""
        entries: list[Entry] = []
        candidates: list[tuple[Entry, Any, str]] = []
        for number, cells in rows:
            row = parse_row(self.columns, number, cells)
            if row.blank:
                entries.append(Entry(number, "blank"))
                continue
            content = row.content()
            self.occurrences[content] = self.occurrences.get(content, 0) + 1
            key = row_key(self.secret, content, self.occurrences[content])
            entry = Entry(number, None)
            entries.append(entry)
            if row.problems or row.village is None:  # say everything wrong at once
                entry.outcome, entry.problems = "failed", list(row.problems)
                try:
                    Evaluator.validate(row.profile)
                except ProfileError as exc:
                    entry.problems += self.problems(number, exc.errors)
                continue
            candidates.append((entry, row, key))
        keys = [key for _, _, key in candidates]
        existing = set(
            session.exec(select(Case.idempotency_key).where(col(Case.idempotency_key).in_(keys)))
        )
        fresh: list[tuple[Entry, Any, str, Any]] = []
        for entry, row, key in candidates:
            if key in existing:
                entry.outcome = "existing"
                continue
            try:
                valid = Evaluator.validate(row.profile)
            except ProfileError as exc:
                entry.outcome, entry.problems = "failed", self.problems(entry.number, exc.errors)
                continue
            fresh.append((entry, row, key, valid))
        hashes = {
            id(valid): id_hash(self.secret, valid.id_number)
            for *_, valid in fresh
            if valid.id_number
        }
        wanted = list(hashes.values())
        query = select(Case.id_hash, Case.id).where(col(Case.id_hash).in_(wanted))
        stored: dict[str | None, str] = dict(session.exec(query).all())
        jobs = []
        for entry, row, key, valid in fresh:
            hashed = hashes.get(id(valid))
            if hashed in stored:
                entry.outcome, entry.problems = (
                    "failed",
                    self.duplicate(entry.number, stored[hashed]),
                )
                continue
            day = row.as_of or self.as_of
            entry.case = NewCase(
                number=entry.number,
                key=key,
                fingerprint=request_fingerprint(self.secret, row.profile, row.village, day),
                valid=valid,
                village=row.village,
                as_of=day,
                hashed=hashed,
            )
            jobs.append((row.profile, day))
        return Chunk(entries, self.evaluations.submit(jobs))

    def evaluated(self, chunk: Chunk, seen: dict[str, str]) -> list[NewCase]:
        """Take the chunk's evaluations in; the cases to write (`seen`: ID hashes stored
        earlier in this import, and their cases)."""
        out: list[NewCase] = []
        new = [e for e in chunk.entries if e.outcome is None]
        for entry, (kind, payload) in zip(new, chunk.answers(), strict=True):
            case = entry.case
            assert case is not None
            if kind == "profile":
                errors = [FieldError(f, zh, en) for f, zh, en in payload]
                entry.outcome, entry.problems = "failed", self.problems(entry.number, errors)
            elif kind == "engine":
                entry.outcome = "failed"
                entry.problems = [RowProblem(entry.number, WHOLE_ROW, *ENGINE_FAILED)]
            elif case.hashed is not None and case.hashed in seen:  # twice in the file
                entry.outcome = "failed"
                entry.problems = self.duplicate(entry.number, seen[case.hashed])
            else:
                case.result, case.result_text = payload
                if case.hashed is not None:
                    seen[case.hashed] = case.case_id
                out.append(case)
        return out

    def settle(self, chunk: Chunk, failed: Mapping[str, str], seen: dict[str, str]) -> None:
        """After the write: each new case imported, or why not."""
        for entry in chunk.entries:
            case = entry.case
            if entry.outcome is not None or case is None:
                continue
            why = failed.get(case.key)
            if why is None:
                entry.outcome = "imported"
                continue
            if case.hashed is not None:
                seen.pop(case.hashed, None)
            if why == "existing":
                entry.outcome = "existing"
            elif why.startswith("duplicate_id:"):
                entry.outcome = "failed"
                entry.problems = self.duplicate(entry.number, why.split(":", 1)[1])
            else:
                entry.outcome = "failed"
                problem = ENGINE_FAILED if why == "engine" else DATABASE_FAILED
                entry.problems = [RowProblem(entry.number, WHOLE_ROW, *problem)]


def classify(session: Session, case: NewCase) -> str:
    """Why a row's insert broke a unique constraint: its key or its ID is taken now."""
    if session.exec(select(Case.id).where(Case.idempotency_key == case.key)).first():
        return "existing"
    if case.hashed is not None:
        found = session.exec(select(Case.id).where(Case.id_hash == case.hashed)).first()
        if found is not None:
            return f"duplicate_id:{found}"
    return "database"
