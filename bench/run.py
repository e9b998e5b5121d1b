"""`make bench`: evaluation speed in process and over HTTP, as ratios to a plain-Python floor.

One seeded set of 5,000 profiles; every figure comes from the same run on the same machine,
so ratios are comparable even on a noisy 2-core box. Results go to the terminal and to
bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.baseline import Baseline
from engine import Evaluator, load_policy
from engine.kleene import evaluate
from engine.parameters import region_chain
from tests.profiles import profiles

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ROOT / "tests" / "fixtures" / "regions"
DAY = date(2025, 6, 1)
BENCH_TOKEN = "gat_bench-" + "0" * 32  # the server runs on a throw-away ledger
console = Console(stderr=True)


def _rate(label: str, count: int, fn: Callable[[], None], repeat: int = 3) -> dict[str, Any]:
    """Best of `repeat` timed passes over the whole set (noise only ever slows things down)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    console.print(f"  {label}: {count / best:,.0f}/s")
    return {"name": label, "per_second": count / best, "microseconds_each": best / count * 1e6}


def in_process(count: int) -> list[dict[str, Any]]:
    policy = load_policy(extra_dirs=[REGIONS])
    evaluator = Evaluator(policy)
    batch = profiles(count, seed=2025, policy=policy)
    valid = [Evaluator.validate(p) for p in batch]
    facts = [evaluator.facts_for(v, DAY) for v in valid]
    params = [policy.parameters.resolve_all(region_chain(v.region_code), DAY) for v in valid]
    messages = [evaluator.message_for(f, p, DAY) for f, p in zip(facts, params, strict=True)]
    baseline = Baseline(policy)
    # the baseline must compute what the engine computes, or its speed means nothing
    for f, p, v in zip(facts, params, valid, strict=True):
        decision = evaluator.decide(v, DAY)
        expected = baseline.decide(f, p, DAY)
        for code in policy.catalog.codes:
            if expected["code:" + code] is not decision.kleene[f"C:{code}"]:
                raise SystemExit(f"baseline disagrees with the engine on {code}")

    def full() -> None:
        for profile in batch:
            evaluator.evaluate(profile, as_of=DAY)

    def durable_alone() -> None:
        for message in messages:
            evaluator.pipeline.decide(message)

    def kleene_alone() -> None:
        for f, p in zip(facts, params, strict=True):
            env = evaluator.env(f, p, DAY)
            for rule in evaluator.code_rules.values():
                if rule.in_force(DAY):
                    evaluate(rule.when, env)

    def baseline_pass() -> None:
        for f, p in zip(facts, params, strict=True):
            baseline.decide(f, p, DAY)

    console.print(
        f"[bold]In process[/] ({count:,} profiles, {evaluator.pipeline.ruleset_count} "
        f"durable_rules rulesets per evaluation)"
    )
    rows = [
        _rate("plain-Python baseline (same conditions)", count, baseline_pass),
        _rate("three-valued evaluator alone", count, kleene_alone),
        _rate("durable_rules decisions alone", count, durable_alone),
        _rate("full evaluation (validate, decide, explain, check)", count, full),
    ]
    floor_rate = rows[0]["per_second"]
    for row in rows:
        row["slower_than_baseline"] = floor_rate / row["per_second"]
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _load(url: str, bodies: list[bytes], clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {BENCH_TOKEN}"}
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.post(
                    url,
                    content=bodies[i % len(bodies)],
                    headers={"content-type": "application/json"},
                )
                latencies.append(time.perf_counter() - start)
                errors += response.status_code != 200
                i += clients

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(clients)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "requests": len(ordered),
        "errors": errors,
        "per_second": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


def over_http(count: int, seconds: float) -> list[dict[str, Any]]:
    policy = load_policy(extra_dirs=[REGIONS])
    bodies = [
        json.dumps({"profile": p, "as_of": DAY.isoformat()}).encode()
        for p in profiles(count, seed=2025, policy=policy)
    ]
    port = _free_port()
    folder = tempfile.mkdtemp(prefix="guanai-bench-")
    env = {
        **os.environ,
        "POLICY_PATHS": str(REGIONS),
        "GUANAI_ADMIN_TOKEN": BENCH_TOKEN,
        "DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "SECRET_FILE": f"{folder}/key",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        url = f"http://127.0.0.1:{port}/v1/eligibility"
        console.print(f"[bold]Over HTTP[/] (one uvicorn worker on loopback, {seconds:g} s each)")
        rows = []
        for clients in (1, 16):
            row = asyncio.run(_load(url, bodies, clients, seconds))
            console.print(
                f"  {clients} client(s): {row['per_second']:,.0f} req/s, "
                f"p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms"
            )
            rows.append(row)
        return rows
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per HTTP load level")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor(),
    }
    rows = in_process(args.profiles)
    http = [] if args.no_http else over_http(args.profiles, args.seconds)
    floor = rows[0]["per_second"]
    for row in http:
        row["slower_than_baseline"] = floor / row["per_second"]

    table = Table(title="guanai bench — ratios to the plain-Python baseline (same run)")
    for column in ("measure", "per second", "× baseline time", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    for row in rows:
        table.add_row(
            row["name"], f"{row['per_second']:,.0f}", f"{row['slower_than_baseline']:.1f}", "", ""
        )
    for row in http:
        table.add_row(
            f"HTTP, {row['clients']} concurrent client(s)",
            f"{row['per_second']:,.0f}",
            f"{row['slower_than_baseline']:.1f}",
            f"{row['p50_ms']:.1f}",
            f"{row['p99_ms']:.1f}",
        )
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "date": date.today().isoformat(),
                "machine": machine,
                "profiles": args.profiles,
                "in_process": rows,
                "http": http,
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    console.print(f"written to {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
