"""The server's own CPU time per request, echo route against /v1/eligibility (one worker,
wrk at 16 connections): a figure the neighbours on a shared machine do not move, unlike
requests per second. `python -m bench.http_cpu [--seconds 5] [--rounds 2]`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench import http
from bench.inprocess import DAY, REGIONS
from engine import load_policy
from tests.profiles import profiles


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="guanai-bench-cpu-"))
    policy = load_policy(extra_dirs=[REGIONS])
    bodies = folder / "bodies.jsonl"
    bodies.write_text(
        "".join(
            json.dumps({"profile": p, "as_of": DAY.isoformat()}, ensure_ascii=False) + "\n"
            for p in profiles(500, seed=2025, policy=policy)
        ),
        encoding="utf-8",
    )
    script = folder / "requests.lua"
    script.write_text(http._LUA % {"bodies": bodies, "token": http.TOKEN}, encoding="utf-8")
    try:
        with http.server(1, folder) as (base, _):
            pid = http.PIDS[base]
            for _ in range(args.rounds):
                for path in ("/bench/echo", "/v1/eligibility"):
                    before = cpu_seconds(pid)
                    row = http.wrk(base + path, script, 16, args.seconds)
                    used = cpu_seconds(pid) - before
                    print(
                        f"{path:<18} {row['rps']:7,.0f} req/s  p99 {row['p99_ms']:6.1f} ms  "
                        f"server CPU {1e3 * used / row['requests']:.3f} ms a request",
                        file=sys.stderr,
                    )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
