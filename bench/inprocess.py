"""In-process figures: every measure a median of 5 timed passes over the same seeded profiles.

- full: validate, decide (durable_rules + the evaluator), agreement check, assemble;
- decide: durable_rules alone (the pipeline on prepared facts);
- explain: the three-valued evaluator alone, over every decision durable_rules makes;
- baseline: plain Python over exactly the rules durable_rules gets (bench/baseline.py);
- durable_floor: the same asserts into the same rulesets with a minimal fact (only the
  catch-all rule fires: the least a safe session can do);
- zen: GoRules ZEN on the same conditions as one decision graph (bench/zen_peer.py).

The baseline and ZEN are checked to decide exactly what durable_rules decides on every
profile, statuses included, before anything is timed.

Rates are per CPU-second of this process (`time.process_time`): on a shared machine a
wall-clock rate measures the neighbours as much as the code (the JSON also keeps the wall
figures, in the details file).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench.baseline import Baseline
from bench.zen_peer import ZenPeer
from engine import Evaluator, load_policy
from engine.kleene import evaluate
from engine.parameters import region_chain
from tests.profiles import profiles

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ROOT / "tests" / "fixtures" / "regions"
DAY = date(2025, 6, 1)


WALL: dict[str, float] = {}  # the same measures, per wall-clock second


def median_rate(count: int, fn: Callable[[], None], passes: int = 5, name: str = "") -> float:
    """Items per CPU-second: the median of `passes` timed passes (wall figures kept aside)."""
    cpu, wall = [], []
    for _ in range(passes):
        start, started = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - start)
        wall.append(time.perf_counter() - started)
    WALL[name] = count / statistics.median(wall)
    return count / statistics.median(cpu)


def measure(count: int, passes: int = 5) -> dict[str, Any]:
    """The `engine` section of latest.json."""
    policy = load_policy(extra_dirs=[REGIONS])
    evaluator = Evaluator(policy)
    pipeline = evaluator.pipeline
    batch = profiles(count, seed=2025, policy=policy)
    valid = [Evaluator.validate(p) for p in batch]
    facts = [evaluator.facts_for(v, DAY) for v in valid]
    params = [policy.parameters.resolve_all(region_chain(v.region_code), DAY) for v in valid]
    messages = [evaluator.message_for(f, p, DAY) for f, p in zip(facts, params, strict=True)]
    flats = [pipeline.flatten(m) for m in messages]
    baseline, zen = Baseline(pipeline), ZenPeer(pipeline)
    for i, (message, flat) in enumerate(zip(messages, flats, strict=True)):
        fired = pipeline.decide(message)
        if baseline.decide(flat) != fired:
            raise SystemExit(f"the baseline decides profile {i} otherwise than durable_rules")
        if zen.fired(zen.decide(flat)) != fired:
            raise SystemExit(f"ZEN decides profile {i} otherwise than durable_rules")
    minimal = [
        (rs, '{"t":"profile","sid":"0","id":"p"}') for stratum in pipeline.strata for rs in stratum
    ]

    def full() -> None:
        for profile in batch:
            evaluator.evaluate(profile, as_of=DAY)

    def decide() -> None:
        for message in messages:
            pipeline.decide(message)

    def explain() -> None:
        for f, p in zip(facts, params, strict=True):
            env = evaluator.env(f, p, DAY)
            for name in evaluator.classification_rules:
                env.derived(name)
            for code, rule in evaluator.code_rules.items():
                env.emitted(code)
                for node in (rule.eligible_when, rule.choose_higher_when):
                    if node is not None:
                        evaluate(node, env)

    def base() -> None:
        for flat in flats:
            baseline.decide(flat)

    def floor() -> None:
        for _ in range(count):
            for ruleset, fact in minimal:
                ruleset.run(fact, "0", keep=True)

    def peer() -> None:
        for flat in flats:
            zen.decide(flat)

    measures = {
        "full_per_s": full,
        "decide_per_s": decide,
        "explain_per_s": explain,
        "baseline_per_s": base,
        "durable_floor_per_s": floor,
        "zen_per_s": peer,
    }
    return {name: median_rate(count, fn, passes, name) for name, fn in measures.items()}


def shape() -> dict[str, int]:
    """How many rulesets and rules one evaluation runs through."""
    pipeline = Evaluator(load_policy(extra_dirs=[REGIONS])).pipeline
    rules = sum(len(rs.settles) for stratum in pipeline.strata for rs in stratum)
    return {"rulesets": pipeline.ruleset_count, "rules": rules}
