"""What a survey-import worker process runs (ledger/survey/pool.py starts them): one
evaluator over the policy it is handed. Only the engine is imported here, so a worker that
starts does not pay for the database stack it never uses."""

from __future__ import annotations

import pickle
import signal
from datetime import date
from typing import Any

from engine import Evaluator, ProfileError, RulesRuntimeError

Job = tuple[dict[str, Any], date]
# ("ok", result JSON) | ("profile", [(field, zh, en)…]) | ("engine", None)
Answer = tuple[str, Any]

_evaluator: Evaluator | None = None


def evaluate_one(evaluator: Evaluator, job: Job) -> Answer:
    """One row's assessment, or why there is none (no profile data in the answer)."""
    profile, day = job
    try:
        return "ok", evaluator.evaluate(profile, as_of=day).model_dump(mode="json")
    except ProfileError as exc:
        return "profile", [(e.field, e.zh, e.en) for e in exc.errors]
    except RulesRuntimeError:
        return "engine", None


def start(policy: bytes) -> None:
    """The worker's initializer: its evaluator, over the pickled policy."""
    global _evaluator
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    _evaluator = Evaluator(pickle.loads(policy))


def ready() -> None:
    """Nothing: makes the pool start a worker."""


def batch(jobs: list[Job]) -> list[Answer]:
    """Evaluate a batch of jobs in this worker."""
    assert _evaluator is not None
    return [evaluate_one(_evaluator, job) for job in jobs]
