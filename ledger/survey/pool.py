"""Evaluating survey rows: in this process for a small sheet, in a pool of processes (one
durable_rules runtime each, the same policy) for a large one — durable_rules holds the GIL,
so only processes add throughput, and the parent meanwhile writes the previous chunk.

A single-threaded parent (`guanai ledger import`, which starts the pool before it opens the
ledger or shows its progress bar) forks its workers: they inherit the evaluator it already
built, so a worker costs no start-up at all (no imports, no policy, no rulesets compiled).
A parent with other threads (the workbench's server) spawns them, as fork is not safe there.
What a worker runs is in ledger/pool_worker.py (it imports only the engine); an assessment
travels back as the JSON text the ledger stores.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from engine import Evaluator, Policy
from ledger import pool_worker
from ledger.pool_worker import Answer, Job, batch, evaluate_one, forked, ready, start

__all__ = ["POOL_FROM_ROWS", "Answer", "Evaluations", "Job", "evaluate_one"]

POOL_FROM_ROWS = 500  # fewer rows: starting the processes would cost more than it saves


def can_fork() -> bool:
    """Whether workers may be forked here: a platform with fork, and no other thread (a
    thread holding a lock at the fork would leave it locked forever in the child)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


@contextlib.contextmanager
def _forking() -> Iterator[None]:
    """Around the fork: Ctrl+C held back (a worker ignores it from its first instruction;
    the parent gets it right after), and the inherited objects frozen out of the children's
    garbage collector (which would otherwise touch, and so copy, every page of them)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class Evaluations:
    """`submit(jobs)` → a function returning the answers, in order, when they are needed.
    Create it as early as possible (for a fork, before any other thread starts)."""

    def __init__(self, evaluator: Evaluator, rows: int) -> None:
        self.evaluator = evaluator
        self.pool: ProcessPoolExecutor | None = None
        self._warming: threading.Thread | None = None
        if rows < POOL_FROM_ROWS or (os.cpu_count() or 1) < 2:
            return
        workers = min(os.cpu_count() or 2, 4)
        if can_fork():
            pool_worker.evaluator = evaluator  # what the children inherit
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=forked,
            )
            with _forking():  # the first submit forks every worker, then starts threads
                for _ in range(workers):
                    self.pool.submit(ready)
            return
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
        if self._warming is not None:
            self._warming.join()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if pool_worker.evaluator is self.evaluator:
            pool_worker.evaluator = None

    def __enter__(self) -> Evaluations:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _policy(evaluator: Evaluator) -> Policy:
    return evaluator.policy
