"""`make bench` is a benchmark, not a test: this only checks that its in-process part runs
on a few profiles (the baseline and ZEN agreeing with durable_rules on each) and that the
goals are computed from the keys issue 12 names."""

from __future__ import annotations

from bench import inprocess
from bench.run import goals

KEYS = {
    "full_per_s",
    "decide_per_s",
    "explain_per_s",
    "baseline_per_s",
    "durable_floor_per_s",
    "zen_per_s",
}


def test_the_in_process_bench_runs_on_a_few_profiles() -> None:
    engine = inprocess.measure(30, passes=1)  # SystemExit if a peer disagrees
    assert set(engine) == KEYS and all(v > 0 for v in engine.values())
    shape = inprocess.shape()
    assert shape["rulesets"] >= 1 and shape["rules"] > shape["rulesets"]
    ratios = goals({"engine": engine, "http": None, "import": None, "startup_s": None})
    assert set(ratios) == {"full_time_vs_baseline (≤ 12)", "full_vs_zen_throughput (≥ 2)"}
