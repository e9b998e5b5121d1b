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

import orjson
from sqlalchemy import Engine, Text, and_, cast, false, func, or_, select

from engine import Policy, ProfileError
from engine.parameters import region_chain
from ledger.case_filters import region_prefix
from ledger.impact.affected import Precheck, affected_targets, changed_parameters
from ledger.impact.compare import CaseChange, compare
from ledger.impact.evaluator import ReplayEvaluator
from ledger.impact.report import ImpactReport
from ledger.models import Case, ProfileVersion

CHUNK = 500

# case number, region, village, profile (a dict, or its JSON text)
Row = tuple[str, str | None, str, dict[str, Any] | str]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Replay:
    """What to replay: the two sets, the date, the region (a prefix), the processes."""

    base: Policy
    draft: Policy
    as_of: date
    region: str | None = None
    workers: int | None = None  # default: every core


def changed_prefixes(a: Policy, b: Policy) -> list[str] | None:
    """The region-code prefixes whose cases a parameter change can reach (None: all of them,
    a national value changed)."""
    names = changed_parameters(a, b)
    out: set[str] = set()
    for region in {*a.parameters.by_region, *b.parameters.by_region}:
        pa = a.parameters.by_region.get(region, {})
        pb = b.parameters.by_region.get(region, {})
        if any(pa.get(n) != pb.get(n) for n in names):
            if region == "national":
                return None
            out.add(region_prefix(region))
    return sorted(out)


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


def _within(query: Any, region: str | None, prefixes: Sequence[str] | None) -> Any:
    cases = Case.__table__  # type: ignore[attr-defined]
    if region:
        query = query.where(cases.c.region_code.startswith(region_prefix(region)))
    if prefixes is not None:
        query = query.where(or_(false(), *(cases.c.region_code.startswith(p) for p in prefixes)))
    return query


def open_cases(
    engine: Engine,
    region: str | None,
    chunk: int = CHUNK,
    *,
    prefixes: Sequence[str] | None = None,
    raw: bool = False,
) -> Iterator[list[Row]]:
    """The latest profile of every open case (within `region`, and within one of `prefixes`
    when given), `chunk` rows at a time; `raw`: the profile as JSON text, for a worker to
    decode (the reading process then does not parse JSON)."""
    cases = Case.__table__  # type: ignore[attr-defined]
    versions = ProfileVersion.__table__  # type: ignore[attr-defined]
    profile = cast(versions.c.profile, Text) if raw else versions.c.profile
    query = (
        select(_number_column(), cases.c.region_code, cases.c.village, profile)
        .join(
            versions,
            and_(versions.c.case_id == cases.c.id, versions.c.version == cases.c.version),
        )
        .where(cases.c.status == "open")
        .order_by(cases.c.id)
    )
    query = _within(query, region, prefixes)
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=chunk).execute(query)
        for rows in result.partitions(chunk):
            yield [(str(r[0]), r[1], r[2], r[3]) for r in rows]


def count_open(engine: Engine, region: str | None, prefixes: Sequence[str] | None = None) -> int:
    """How many open cases there are (within `region`, and one of `prefixes` when given)."""
    cases = Case.__table__  # type: ignore[attr-defined]
    query = select(func.count()).select_from(cases).where(cases.c.status == "open")
    query = _within(query, region, prefixes)
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
        self.precheck = None if targets is None else Precheck(self.base, self.draft, targets, as_of)

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
        for number, region, village, stored in rows:
            profile = orjson.loads(stored) if isinstance(stored, str) else stored
            if self.unaffected(region):
                skipped += 1
                continue
            try:
                valid = self.base.validate(profile)
                if self.precheck is not None and self.precheck.same(valid):
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
    engine: Engine,
    job: Replay,
    report: ImpactReport,
    progress: Progress | None,
    total: int,
    prefixes: Sequence[str] | None,
) -> None:
    worker = _Worker(job.base, job.draft, job.as_of)
    done = 0
    for rows in open_cases(engine, job.region, prefixes=prefixes):
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
    everyone = count_open(engine, job.region)
    prefixes = changed_prefixes(job.base, job.draft) if same_rules(job.base, job.draft) else None
    total = everyone if prefixes is None else count_open(engine, job.region, prefixes)
    report.skipped = everyone - total  # in regions where nothing the draft changes applies
    report.cases = everyone - total
    workers = max(1, job.workers or os.cpu_count() or 1)
    if progress is not None:
        progress(0, total)
    if total <= CHUNK or workers == 1:  # not worth starting processes
        _in_process(engine, job, report, progress, total, prefixes)
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
        for rows in open_cases(engine, job.region, prefixes=prefixes, raw=True):
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
