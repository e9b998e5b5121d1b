"""Impact jobs: a replay started through the API, run in a background thread of the replica
that took it, its progress and report kept in the database so any replica can answer."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from engine import Policy
from ledger.errors import NotFound
from ledger.impact.replay import Replay, replay
from ledger.models import ImpactJob, new_id, now

logger = logging.getLogger("guanai.impact")
_one_at_a_time = threading.Lock()  # a replay uses every core: jobs of one replica queue up


class ImpactJobNotFound(NotFound):
    """No impact job by that id."""

    def __init__(self) -> None:
        super().__init__("没有这个影响测算任务", "No such impact job")


def start_job(
    engine: Engine,
    base: Policy,
    draft: Policy,
    *,
    as_of: date,
    region: str | None,
    actor: str,
    workers: int | None = None,
) -> ImpactJob:
    """Record a queued job and start it in a background thread; returns the record."""
    job = ImpactJob(
        id=new_id(),
        status="queued",
        created_by=actor,
        region=region,
        as_of=as_of,
        base_version=base.version,
        draft_version=draft.version,
        created_at=now(),
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(job)
        session.commit()
    spec = Replay(base=base, draft=draft, as_of=as_of, region=region, workers=workers)
    thread = threading.Thread(
        target=_run, args=(engine, job.id, spec), name=f"impact-{job.id[:8]}", daemon=True
    )
    thread.start()
    return job


def _set(engine: Engine, job_id: str, **values: Any) -> None:
    with Session(engine) as session:
        session.execute(update(ImpactJob).where(col(ImpactJob.id) == job_id).values(**values))
        session.commit()


def _run(engine: Engine, job_id: str, spec: Replay) -> None:
    with _one_at_a_time:
        _set(engine, job_id, status="running")
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if done in (0, total) or time.monotonic() - last > 0.5:
                last = time.monotonic()
                _set(engine, job_id, done=done, total=total)

        try:
            report = replay(engine, spec, progress)
        except Exception as exc:  # the job fails; the service goes on
            logger.error("impact job %s failed: %s", job_id, type(exc).__name__)
            _set(engine, job_id, status="failed", error=type(exc).__name__, finished_at=now())
            return
        _set(engine, job_id, status="done", report=report.as_json(), finished_at=now())


def find_job(session: Session, job_id: str) -> ImpactJob:
    """The job, or ImpactJobNotFound."""
    job = session.get(ImpactJob, job_id)
    if job is None:
        raise ImpactJobNotFound()
    return job


def job_out(job: ImpactJob, with_report: bool = True) -> dict[str, Any]:
    """The job as the API prints it."""
    out: dict[str, Any] = {
        "id": job.id,
        "status": job.status,
        "region": job.region,
        "as_of": job.as_of.isoformat(),
        "base_version": job.base_version,
        "draft_version": job.draft_version,
        "done": job.done,
        "total": job.total,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "error": job.error,
    }
    if with_report:
        out["report"] = job.report
    return out
