"""`make bench`: the engine in process, HTTP under wrk, the survey import, start-up — with
the ratio of every goal of issue 12. bench/results/latest.json holds exactly the figures
the issue names; latest-details.json the rest (every wrk level, wall-clock engine rates,
ruleset counts, the goals' ratios, the machine's load average before and after, the
import's CPU seconds). `--only import` (or engine, http) runs one section alone, into
bench/results/latest-import.json, so that a partial run never overwrites latest.json.

All figures of one run come from the same machine at the same time, so ratios hold even
on a noisy 2-core box (single figures vary 10-30% between runs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bench import http, imports, inprocess

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("engine", "http", "import")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def goals(result: dict[str, Any]) -> dict[str, Any]:
    """Each goal's measured ratio and whether it is met."""
    e, h, i = result.get("engine"), result.get("http"), result.get("import")
    out: dict[str, Any] = {}
    if e:
        out["full_time_vs_baseline (≤ 12)"] = e["baseline_per_s"] / e["full_per_s"]
        out["full_vs_zen_throughput (≥ 2)"] = e["full_per_s"] / e["zen_per_s"]
    if h:
        out["eligibility_vs_echo_16 (≥ 0.30)"] = h["eligibility_rps_16"] / h["echo_rps_16"]
        out["eligibility_p99_ms_16 (≤ 50)"] = h["eligibility_p99_ms_16"]
        out["workers2_vs_1 (≥ 1.5)"] = h["eligibility_rps_16_workers2"] / h["eligibility_rps_16"]
    if i:
        out["import_sqlite_s (≤ 10)"] = i["sqlite_s"]
        out["import_postgresql_s (≤ 15)"] = i["postgresql_s"]
        out["import_sqlite_vs_evaluate (≤ 1.5)"] = i["sqlite_s"] / i["evaluate_only_s"]
        out["import_postgresql_vs_evaluate (≤ 1.5)"] = i["postgresql_s"] / i["evaluate_only_s"]
    if result.get("startup_s") is not None:
        out["startup_s (≤ 1.5)"] = result["startup_s"]
    return out


def _pool_start() -> dict[str, Any]:
    """A survey-import worker's start-up CPU (bench/pool_start.py, in a process of its own)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.pool_start"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    pool: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return pool


def _startup_only(repeats: int) -> dict[str, Any]:
    """`--only startup`: the start-up measurement of the HTTP part, alone and repeated."""
    print(
        f"[startup] {repeats} starts on a fresh ledger, then one on a migrated one", file=sys.stderr
    )
    result: dict[str, Any] = {
        **http.startup(repeats),
        "pool_workers": _pool_start(),
        "date": date.today().isoformat(),
        "load_average": os.getloadavg(),
    }
    out = ROOT / "bench" / "results" / "startup.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"  median {result['startup_s']:.2f} s wall, {result['startup_cpu_s']:.2f} CPU-s "
        f"(goal ≤ 1.5 s); migrated ledger {result['startup_s_migrated']:.2f} s, "
        f"{result['startup_cpu_s_migrated']:.2f} CPU-s; a survey pool worker "
        f"{result['pool_workers']['cpu_s_each']:.2f} CPU-s to start; written to {out}",
        file=sys.stderr,
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=2000, help="in-process profiles")
    parser.add_argument("--passes", type=int, default=5, help="timed passes (median)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per wrk level")
    parser.add_argument("--rows", type=int, default=10_000, help="survey rows to import")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument(
        "--only",
        choices=(*SECTIONS, "startup"),
        help=(
            "run this section alone (written to bench/results/latest-SECTION.json; "
            "startup → bench/results/startup.json, see --repeats)"
        ),
    )
    parser.add_argument("--repeats", type=int, default=5, help="starts to time with --only")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.only == "startup":
        return _startup_only(args.repeats)
    wanted = {args.only} if args.only else {s for s in SECTIONS if not getattr(args, f"no_{s}", 0)}
    results = ROOT / "bench" / "results"
    out = args.out or results / (f"latest-{args.only}.json" if args.only else "latest.json")
    result: dict[str, Any] = {
        "engine": None,
        "http": None,
        "import": None,
        "startup_s": None,
        "machine": {
            "cores": os.cpu_count(),
            "cpu": _cpu_model(),
            "python": platform.python_version(),
        },
    }
    details: dict[str, Any] = {
        "date": date.today().isoformat(),
        "profiles": args.profiles,
        "passes": args.passes,
        "load_average": os.getloadavg(),
    }
    if "engine" in wanted:
        print(f"[engine] {args.profiles:,} profiles, median of {args.passes}", file=sys.stderr)
        result["engine"] = inprocess.measure(args.profiles, args.passes)
        details |= {**inprocess.shape(), "engine_wall_per_s": dict(inprocess.WALL)}
        for key, value in result["engine"].items():
            wall = inprocess.WALL[key]
            print(
                f"  {key}: {value:,.0f} per CPU-second ({wall:,.0f} per wall second)",
                file=sys.stderr,
            )
    if "http" in wanted:
        print(f"[http] wrk, {args.seconds:g} s per level", file=sys.stderr)
        summary, rows = http.measure(args.seconds)
        result["startup_s"] = summary.pop("startup_s")
        result["http"] = summary
        details["http_levels"] = rows
    if "import" in wanted:
        print(f"[import] {args.rows:,} rows", file=sys.stderr)
        result["import"] = imports.measure(args.rows, details)
    details["goals"] = goals(result)
    details["load_average_after"] = os.getloadavg()
    print("[goals]", file=sys.stderr)
    for name, value in details["goals"].items():
        print(f"  {name}: {value:.2f}", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    side = out.with_name(out.stem + "-details.json")
    side.write_text(json.dumps(details, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {out} (and {side.name})", file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
