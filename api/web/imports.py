"""Survey imports started from the workbench: each runs in a background thread (the same
`ledger.survey.import_rows` as `guanai ledger import`), and its page polls its progress.

Jobs live in this process (one per upload, the last few kept); the uploaded file is deleted
when the job ends. A region-bound caseworker imports only women of her region: a row whose
行政区划代码 is missing or outside it fails with that reason, as POST /v1/cases would refuse it.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from api.access import in_region
from api.deps import PolicyService, logger
from ledger.audit import record
from ledger.db import Ledger
from ledger.principal import Principal
from ledger.survey import Column, ImportReport, RowProblem, import_rows, parse_row

KEEP = 20  # finished jobs remembered


@dataclass
class Job:
    """One import: who started it, how far it is, and what came of it."""

    id: str
    owner: Principal
    file_name: str
    total: int
    report: ImportReport = field(default_factory=ImportReport)
    done: int = 0
    state: str = "running"  # running | finished | failed

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


class Jobs:
    """The jobs of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def get(self, job_id: str, owner: Principal) -> Job | None:
        """A job, only for the person who started it."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def start(
        self,
        ledger: Ledger,
        policies: PolicyService,
        owner: Principal,
        upload: Path,
        file_name: str,
        columns: list[Column],
        rows: list[tuple[int, list[Any]]],
        as_of: date,
    ) -> Job:
        """Start importing `rows` in a thread; the job is returned at once."""
        job = Job(uuid.uuid4().hex, owner, file_name, total=len(rows))
        with self._lock:
            finished = [j for j in self._jobs.values() if j.state != "running"]
            for old in finished[: max(0, len(finished) - KEEP)]:
                del self._jobs[old.id]
            self._jobs[job.id] = job
        thread = threading.Thread(
            target=_run,
            args=(job, ledger, policies, upload, columns, rows, as_of),
            name=f"survey-import-{job.id[:8]}",
            daemon=True,
        )
        thread.start()
        return job


def _in_region(
    job: Job, columns: list[Column], rows: list[tuple[int, list[Any]]]
) -> Iterator[tuple[int, list[Any]]]:
    """The rows of the owner's region; the others are counted as failed, with the reason."""
    region = job.owner.region
    label = next((c.label for c in columns if c.target == "region_code"), "行政区划代码")
    for number, cells in rows:
        if region is not None:
            row = parse_row(columns, number, cells)
            code = row.profile.get("region_code")
            if not row.blank and (not isinstance(code, str) or not in_region(job.owner, code)):
                job.report.rows += 1
                job.report.failed += 1
                job.report.problems.append(
                    RowProblem(
                        number,
                        label,
                        f"必须填写，且在 {region} 辖区内",
                        f"required, inside {region}",
                    )
                )
                job.done += 1
                continue
        yield number, cells


def _run(
    job: Job,
    ledger: Ledger,
    policies: PolicyService,
    upload: Path,
    columns: list[Column],
    rows: list[tuple[int, list[Any]]],
    as_of: date,
) -> None:
    def advance(_outcome: str) -> None:
        job.done += 1

    try:
        with policies.lease() as evaluator:
            import_rows(
                ledger,
                evaluator,
                columns,
                _in_region(job, columns, rows),
                job.report,
                as_of=as_of,
                actor=job.owner.name,
                on_row=advance,
            )
        job.state = "failed" if job.report.aborted else "finished"
    except Exception as exc:  # never the row's content: only the kind of failure
        logger.error("survey import %s failed: %s", job.id[:8], type(exc).__name__)
        job.report.aborted = type(exc).__name__
        job.state = "failed"
    finally:
        job.done = job.total if job.state == "finished" else job.done
        with contextlib.suppress(OSError):
            upload.unlink()
        with contextlib.suppress(Exception), ledger.session() as session:
            record(
                session,
                job.owner,
                "survey_import",
                file=job.file_name[:200],
                rows=job.report.rows,
                imported=job.report.imported,
                existing=job.report.existing,
                failed=job.report.failed,
                aborted=job.report.aborted,
            )
