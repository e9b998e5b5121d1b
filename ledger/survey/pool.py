"""Evaluating survey rows: in this process for a small sheet, in a pool of processes (one
durable_rules runtime each, the same policy) for a large one — durable_rules holds the GIL,
so only processes add throughput, and the parent meanwhile writes the previous chunk.

A single-threaded parent (`guanai ledger import`, which starts the pool before it opens the
ledger or shows its progress bar) forks its workers: they inherit the evaluator it already
built, so a worker costs no start-up at all (no imports, no policy, no rulesets compiled).
A parent with other threads (the workbench's server) spawns them, as fork is not safe there.
An assessment travels back as the very JSON text the ledger stores (`ledger.db.json_text`
of what `model_dump(mode="json")` gives, built from pydantic's own serialiser, which is
several times faster), with the few parts the parent needs to build the case's rows: the
parent neither unpickles nor serialises the assessment again.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from typing import Any

import orjson

from engine import Evaluator, Policy, ProfileError, RulesRuntimeError
from ledger.db import json_text

POOL_FROM_ROWS = 500  # fewer rows: starting the processes would cost more than it saves
Job = tuple[dict[str, Any], date]
# ("ok", (the parts of the assessment the case's rows need, its stored JSON text))
# | ("profile", [(field, zh, en)…]) | ("engine", None)
Answer = tuple[str, Any]

_evaluator: Evaluator | None = None


def evaluate_one(evaluator: Evaluator, job: Job) -> Answer:
    """One row's assessment, or why there is none (no profile data in the answer)."""
    profile, day = job
    try:
        result = evaluator.evaluate(profile, as_of=day)
    except ProfileError as exc:
        return "profile", [(e.field, e.zh, e.en) for e in exc.errors]
    except RulesRuntimeError:
        return "engine", None
    dumped = _loads(result.model_dump_json())  # == result.model_dump(mode="json")
    return "ok", (_needed(dumped), json_text(dumped))


def _loads(text: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = orjson.loads(text)
    except orjson.JSONDecodeError:  # an integer beyond 64 bits: orjson does not read it
        found = json.loads(text)
    return found


def _needed(result: dict[str, Any]) -> dict[str, Any]:
    """What `ledger.survey.writing.build` reads of an assessment, and nothing more."""
    return {
        "policy_version": result["policy_version"],
        "classifications": result["classifications"],
        "results": [
            {"code": r["code"], "status": r["status"], "outputs": r.get("outputs", {})}
            for r in result["results"]
        ],
        "outside_programme": [
            {"code": r["code"], "status": r["status"]} for r in result.get("outside_programme", [])
        ],
        "referrals": [
            {"department": r["department"], "codes": r["codes"], "urgent": r["urgent"]}
            for r in result["referrals"]
        ],
    }


def _start(policy: bytes) -> None:
    """A spawned worker: its own evaluator of the parent's policy."""
    global _evaluator
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    _evaluator = Evaluator(pickle.loads(policy))


def _forked() -> None:
    """A forked worker: the parent's evaluator is already here (`_evaluator`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked while forking


def _ready() -> None:
    """Nothing: makes the pool start a worker."""


def _batch(jobs: list[Job]) -> list[Answer]:
    assert _evaluator is not None
    return [evaluate_one(_evaluator, job) for job in jobs]


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
        global _evaluator
        self.evaluator = evaluator
        self.pool: ProcessPoolExecutor | None = None
        self._warming: threading.Thread | None = None
        if rows < POOL_FROM_ROWS or (os.cpu_count() or 1) < 2:
            return
        workers = min(os.cpu_count() or 2, 4)
        if can_fork():
            _evaluator = evaluator  # what the children inherit
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_forked,
            )
            with _forking():  # the first submit forks every worker, then starts threads
                for _ in range(workers):
                    self.pool.submit(_ready)
            return
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(pickle.dumps(_policy(evaluator)),),
        )
        # starting a worker blocks until it has read the policy: start them off the
        # main thread, which meanwhile reads the first chunk
        pool = self.pool
        self._warming = threading.Thread(
            target=lambda: [pool.submit(_ready) for _ in range(workers)], daemon=True
        )
        self._warming.start()

    def submit(self, jobs: list[Job]) -> Callable[[], list[Answer]]:
        """Start evaluating `jobs`; call the result for the answers, in order."""
        if self.pool is None:
            return lambda: [evaluate_one(self.evaluator, job) for job in jobs]
        size = max(1, len(jobs) // 4)
        futures: list[Future[list[Answer]]] = [
            self.pool.submit(_batch, jobs[i : i + size]) for i in range(0, len(jobs), size)
        ]
        return lambda: [answer for f in futures for answer in f.result()]

    def close(self) -> None:
        """Stop the worker processes (evaluations not yet taken are dropped)."""
        global _evaluator
        if self._warming is not None:
            self._warming.join()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if _evaluator is self.evaluator:
            _evaluator = None

    def __enter__(self) -> Evaluations:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _policy(evaluator: Evaluator) -> Policy:
    return evaluator.policy
