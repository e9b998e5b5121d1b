"""Evaluating survey rows: in this process for a small sheet, in a pool of processes (one
durable_rules runtime each, the same policy) for a large one — durable_rules holds the GIL,
so only processes add throughput, and the parent meanwhile writes the previous chunk."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from engine import Evaluator, Policy
from ledger.pool_worker import Answer, Job, batch, evaluate_one, ready, start

__all__ = ["POOL_FROM_ROWS", "Answer", "Evaluations", "Job", "evaluate_one"]

POOL_FROM_ROWS = 500  # fewer rows: starting the processes would cost more than it saves


class Evaluations:
    """`submit(jobs)` → a function returning the answers, in order, when they are needed."""

    def __init__(self, evaluator: Evaluator, rows: int) -> None:
        self.evaluator = evaluator
        self.pool: ProcessPoolExecutor | None = None
        if rows >= POOL_FROM_ROWS and (os.cpu_count() or 1) > 1:
            workers = min(os.cpu_count() or 2, 4)
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start,
                initargs=(pickle.dumps(_policy(evaluator)),),
            )
            # starting a worker blocks until it has read the policy: start them off the
            # main thread, which meanwhile reads the first chunk
            pool = self.pool
            self._warming = threading.Thread(
                target=lambda: [pool.submit(ready) for _ in range(workers)], daemon=True
            )
            self._warming.start()

    def submit(self, jobs: list[Job]) -> Callable[[], list[Answer]]:
        """Start evaluating `jobs`; call the result for the answers, in order."""
        if self.pool is None:
            return lambda: [evaluate_one(self.evaluator, job) for job in jobs]
        size = max(1, len(jobs) // 4)
        futures: list[Future[list[Answer]]] = [
            self.pool.submit(batch, jobs[i : i + size]) for i in range(0, len(jobs), size)
        ]
        return lambda: [answer for f in futures for answer in f.result()]

    def close(self) -> None:
        """Stop the worker processes (evaluations not yet taken are dropped)."""
        if self.pool is not None:
            self._warming.join()
            self.pool.shutdown(wait=True, cancel_futures=True)


def _policy(evaluator: Evaluator) -> Policy:
    return evaluator.policy
