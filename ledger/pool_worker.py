"""What a survey-import worker process runs (ledger/survey/pool.py starts them): one
evaluator over the policy it is handed or inherits. Only the engine (and the ledger's JSON
writer, which imports nothing) is imported here, so a spawned worker does not pay for the
database stack it never uses.

An assessment travels back as the very JSON text the ledger stores (`json_text` of what
`model_dump(mode="json")` gives, built from pydantic's own serialiser, several times
faster), with the few parts the parent needs to build the case's rows: the parent neither
unpickles nor serialises the assessment again.
"""

from __future__ import annotations

import json
import pickle
import signal
from datetime import date
from typing import Any

import orjson

from engine import Evaluator, ProfileError, RulesRuntimeError
from ledger.json_text import json_text

Job = tuple[dict[str, Any], date]
# ("ok", (the parts of the assessment the case's rows need, its stored JSON text))
# | ("profile", [(field, zh, en)…]) | ("engine", None)
Answer = tuple[str, Any]

evaluator: Evaluator | None = None  # this worker's (spawned: built; forked: inherited)


def evaluate_one(on: Evaluator, job: Job) -> Answer:
    """One row's assessment, or why there is none (no profile data in the answer)."""
    profile, day = job
    try:
        result = on.evaluate(profile, as_of=day)
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


def start(policy: bytes) -> None:
    """A spawned worker's initializer: its own evaluator, over the pickled policy."""
    global evaluator
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    evaluator = Evaluator(pickle.loads(policy))


def forked() -> None:
    """A forked worker's initializer: the parent's evaluator is already here."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked while forking


def ready() -> None:
    """Nothing: makes the pool start a worker."""


def batch(jobs: list[Job]) -> list[Answer]:
    """Evaluate a batch of jobs in this worker."""
    assert evaluator is not None
    return [evaluate_one(evaluator, job) for job in jobs]
