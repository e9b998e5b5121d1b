"""Replay the ledger under two sets: the latest profile of every open case, streamed from the
database in chunks, evaluated under the current set and the draft in a pool of processes.

Memory stays flat: the main process reads `CHUNK` rows at a time and keeps at most two chunks
per worker in flight; each worker holds the two evaluators and sends back only the changes.
A case whose region resolves every parameter to the same value under both sets, when the
rules and the catalog are the same, cannot change: it is counted and not evaluated twice.
Any other case first has only the decisions the draft can change evaluated under both sets
(ledger/impact/affected.py); only when one differs is it evaluated in full under both.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, func, select

from engine import Policy, ProfileError
from engine.parameters import region_chain
from ledger.case_filters import region_prefix
from ledger.impact.affected import Precheck, affected_targets
from ledger.impact.compare import CaseChange, compare
from ledger.impact.evaluator import ReplayEvaluator
from ledger.impact.report import ImpactReport
from ledger.models import Case, ProfileVersion

CHUNK = 500

Row = tuple[str, str | None, str, dict[str, Any]]  # case number, region, village, profile
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Replay:
    """What to replay: the two sets, the date, the region (a prefix), the processes."""

    base: Policy
    draft: Policy
    as_of: date
    region: str | None = None
    workers: int | None = None  # default: every core


def same_rules(a: Policy, b: Policy) -> bool:
    """Whether two sets have the same catalog and rules (where they are written aside)."""
    if a.catalog != b.catalog:
        return False
    strip = [replace(r, file="", line=0) for r in a.rules]
    return strip == [replace(r, file="", line=0) for r in b.rules]


def _number_column() -> Any:
    """The case number people see (cases.number once case numbers exist; else the id)."""
    columns = Case.__table__.c  # type: ignore[attr-defined]
    if "number" in columns:
        return func.coalesce(columns["number"], columns["id"])
    return columns["id"]


def open_cases(engine: Engine, region: str | None, chunk: int = CHUNK) -> Iterator[list[Row]]:
    """The latest profile of every open case (within `region`), `chunk` rows at a time."""
    cases = Case.__table__  # type: ignore[attr-defined]
    versions = ProfileVersion.__table__  # type: ignore[attr-defined]
    query = (
        select(_number_column(), cases.c.region_code, cases.c.village, versions.c.profile)
        .join(
            versions,
            and_(versions.c.case_id == cases.c.id, versions.c.version == cases.c.version),
        )
        .where(cases.c.status == "open")
        .order_by(cases.c.id)
    )
    if region:
        query = query.where(cases.c.region_code.startswith(region_prefix(region)))
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=chunk).execute(query)
        for rows in result.partitions(chunk):
            yield [(str(r[0]), r[1], r[2], r[3]) for r in rows]


def count_open(engine: Engine, region: str | None) -> int:
    """How many open cases there are (within `region`)."""
    cases = Case.__table__  # type: ignore[attr-defined]
    query = select(func.count()).select_from(cases).where(cases.c.status == "open")
    if region:
        query = query.where(cases.c.region_code.startswith(region_prefix(region)))
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


# -- in each worker process ------------------------------------------------------------------
_worker: _Worker | None = None


class _Worker:
    """The two evaluators of one worker process, and which regions cannot change."""

    def __init__(self, base: Policy, draft: Policy, as_of: date) -> None:
        self.base, self.draft = ReplayEvaluator(base), ReplayEvaluator(draft)
        self.as_of = as_of
        self.rules_same = same_rules(base, draft)
        self._unaffected: dict[str | None, bool] = {}
        targets = affected_targets(base, draft)
        self.precheck = None if targets is None else Precheck(self.base, self.draft, targets)

    def unaffected(self, region: str | None) -> bool:
        if not self.rules_same:
            return False
        if region not in self._unaffected:
            chain = region_chain(region)
            a = self.base.policy.parameters.resolve_all(chain, self.as_of)
            b = self.draft.policy.parameters.resolve_all(chain, self.as_of)
            self._unaffected[region] = a == b
        return self._unaffected[region]

    def replay(self, rows: Sequence[Row]) -> tuple[int, int, list[CaseChange]]:
        skipped = errors = 0
        out: list[CaseChange] = []
        for number, region, village, profile in rows:
            if self.unaffected(region):
                skipped += 1
                continue
            try:
                valid = self.base.validate(profile)
                if self.precheck is not None and self.precheck.same(valid, self.as_of):
                    skipped += 1
                    continue
                before = self.base.evaluate(valid, as_of=self.as_of)
                after = self.draft.evaluate(valid, as_of=self.as_of)
            except ProfileError:
                errors += 1
                continue
            change = compare(number, region, village, before, after)
            if change.changed:
                out.append(change)
        return skipped, errors, out


def _start_worker(base: Policy, draft: Policy, day: date) -> None:
    global _worker
    _worker = _Worker(base, draft, day)  # the sets arrive pickled: no YAML to read again


def _replay_chunk(rows: list[Row]) -> tuple[int, int, list[CaseChange]]:
    if _worker is None:
        raise RuntimeError("the pool's initializer did not run")
    return _worker.replay(rows)


# -- in the calling process ------------------------------------------------------------------
def _in_process(
    engine: Engine, job: Replay, report: ImpactReport, progress: Progress | None, total: int
) -> None:
    worker = _Worker(job.base, job.draft, job.as_of)
    done = 0
    for rows in open_cases(engine, job.region):
        report.cases += len(rows)
        skipped, errors, changes = worker.replay(rows)
        report.skipped += skipped
        report.errors += errors
        for change in changes:
            report.add(change)
        done += len(rows)
        if progress is not None:
            progress(done, total)
    report.changes.sort(key=lambda c: c.case)


def replay(engine: Engine, job: Replay, progress: Progress | None = None) -> ImpactReport:
    """Replay every open case under both sets; `progress(done, total)` after each chunk."""
    started = time.perf_counter()
    report = ImpactReport(
        base_version=job.base.version,
        draft_version=job.draft.version,
        as_of=job.as_of.isoformat(),
        region=job.region,
    )
    total = count_open(engine, job.region)
    workers = max(1, job.workers or os.cpu_count() or 1)
    if progress is not None:
        progress(0, total)
    if total <= CHUNK or workers == 1:  # not worth starting processes
        _in_process(engine, job, report, progress, total)
        report.seconds = time.perf_counter() - started
        return report
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded server
        initializer=_start_worker,
        initargs=(job.base, job.draft, job.as_of),
    )
    pending: dict[Future[tuple[int, int, list[CaseChange]]], int] = {}
    done = 0

    def collect(block: bool) -> None:
        nonlocal done
        if not pending:
            return
        finished, _ = wait(list(pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in finished:
            size = pending.pop(future)
            skipped, errors, changes = future.result()
            report.skipped += skipped
            report.errors += errors
            for change in changes:
                report.add(change)
            done += size
            if progress is not None:
                progress(done, total)

    try:
        for rows in open_cases(engine, job.region):
            report.cases += len(rows)
            while len(pending) >= 2 * workers:
                collect(block=True)
            pending[pool.submit(_replay_chunk, rows)] = len(rows)
            collect(block=False)
        while pending:
            collect(block=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    report.changes.sort(key=lambda c: c.case)
    report.seconds = time.perf_counter() - started
    return report
