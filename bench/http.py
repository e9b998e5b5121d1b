"""Over HTTP: a real uvicorn server on a free loopback port, loaded by wrk (an external load
generator, so the figures measure the server, not a Python client).

Each level runs `seconds` (10 by default) at 1, 16 and 64 connections: the trivial echo route
(mounted only because GUANAI_BENCH_ECHO=1, same server configuration), /v1/eligibility on
one worker, and on two. Start-up to ready is the time from launching uvicorn to the first
200 from /healthz. Traffic goes only to 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.inprocess import DAY, REGIONS, ROOT
from engine import load_policy
from tests.profiles import profiles

TOKEN = "gat_bench-" + "0" * 32  # the server runs on a throw-away ledger
LEVELS = (1, 16, 64)
PIDS: dict[str, int] = {}  # base URL → the uvicorn process started for it
_LUA = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  i = i %% #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRK {"requests": %%d, "duration_us": %%d, "non_2xx": %%d, "socket_errors": %%d, '
    .. '"p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def free_port() -> int:
    """A free loopback port (bound to port 0, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(
    workers: int, folder: Path, cpu: list[float] | None = None
) -> Iterator[tuple[str, float]]:
    """uvicorn on a fresh SQLite ledger; yields (base URL, seconds to ready). With `cpu`, the
    server's CPU seconds until ready are appended to it (one worker: the process itself)."""
    port = free_port()
    env = {
        **os.environ,
        "POLICY_PATHS": str(REGIONS),
        "GUANAI_ADMIN_TOKEN": TOKEN,
        "GUANAI_BENCH_ECHO": "1",
        "DATABASE_URL": f"sqlite:///{folder}/bench-{workers}.db",
        "SECRET_FILE": f"{folder}/key",
    }
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    PIDS[base] = process.pid  # with one worker, the server itself (bench/http_cpu.py)
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited ({process.returncode})")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.02)
            if time.perf_counter() - started > 60:
                raise SystemExit("the server did not start within 60 s")
        ready = time.perf_counter() - started
        if cpu is not None:
            cpu.append(cpu_seconds(process.pid))
        if workers > 1:
            time.sleep(2)  # every worker up, not just the first
        yield base, ready
    finally:
        process.terminate()
        process.wait(timeout=20)


def startup(repeats: int) -> dict[str, Any]:
    """Start-up alone: one worker on a fresh ledger `repeats` times (median wall and CPU
    seconds from launching uvicorn to the first 200 from /healthz), then once more on the
    ledger the last start left (already migrated, the policy cache warm)."""
    folder = Path(tempfile.mkdtemp(prefix="guanai-bench-"))
    walls: list[float] = []
    cpus: list[float] = []
    try:
        for n in range(repeats):
            (folder / "bench-1.db").unlink(missing_ok=True)
            with server(1, folder, cpus) as (_, ready):
                walls.append(ready)
            print(f"  start {n + 1}: {walls[-1]:.2f} s wall, {cpus[-1]:.2f} CPU-s", file=sys.stderr)
        again: list[float] = []
        with server(1, folder, again) as (_, ready_again):
            pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "startup_s": statistics.median(walls),
        "startup_cpu_s": statistics.median(cpus),
        "startup_s_runs": walls,
        "startup_cpu_s_runs": cpus,
        "startup_s_migrated": ready_again,
        "startup_cpu_s_migrated": again[0],
    }


def wrk(url: str, script: Path, connections: int, seconds: float) -> dict[str, Any]:
    """One wrk run; requests per second and p50/p99 in ms."""
    threads = str(min(connections, 2))
    command = ["wrk", "-t", threads, "-c", str(connections), "-d", f"{seconds:g}s"]
    out = subprocess.run(
        [*command, "-s", str(script), "--timeout", "10s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    data = json.loads(line[4:])
    return {
        "connections": connections,
        "requests": data["requests"],
        "errors": data["non_2xx"] + data["socket_errors"],
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
    }


def measure(seconds: float, count: int = 500) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The `http` section of latest.json, the rows behind it, and the start-up time."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="guanai-bench-"))
    policy = load_policy(extra_dirs=[REGIONS])
    bodies = folder / "bodies.jsonl"
    bodies.write_text(
        "".join(
            json.dumps({"profile": p, "as_of": DAY.isoformat()}, ensure_ascii=False) + "\n"
            for p in profiles(count, seed=2025, policy=policy)
        ),
        encoding="utf-8",
    )
    scripts = {}
    for name, source in (("echo", bodies), ("eligibility", bodies)):
        scripts[name] = folder / f"{name}.lua"
        scripts[name].write_text(_LUA % {"bodies": source, "token": TOKEN}, encoding="utf-8")
    rows: list[dict[str, Any]] = []
    startup = []
    for workers in (1, 2):
        with server(workers, folder) as (base, ready):
            startup.append(ready)
            routes = [("echo", "/bench/echo"), ("eligibility", "/v1/eligibility")]
            for route, path in routes if workers == 1 else routes[1:]:
                for connections in LEVELS:
                    row = wrk(base + path, scripts[route], connections, seconds)
                    rows.append({"route": route, "workers": workers, **row})
                    print(
                        f"  {route:<12} {workers} worker(s) {connections:>2} conn: "
                        f"{row['rps']:7,.0f} req/s  p50 {row['p50_ms']:6.1f} ms  "
                        f"p99 {row['p99_ms']:6.1f} ms  errors {row['errors']}",
                        file=sys.stderr,
                    )

    def pick(route: str, workers: int, key: str) -> float:
        return float(
            next(
                r[key]
                for r in rows
                if r["route"] == route and r["workers"] == workers and r["connections"] == 16
            )
        )

    summary = {
        "echo_rps_16": pick("echo", 1, "rps"),
        "eligibility_rps_16": pick("eligibility", 1, "rps"),
        "eligibility_p99_ms_16": pick("eligibility", 1, "p99_ms"),
        "eligibility_rps_16_workers2": pick("eligibility", 2, "rps"),
        "startup_s": startup[0],
    }
    shutil.rmtree(folder, ignore_errors=True)
    return summary, rows
