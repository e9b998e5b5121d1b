"""`make bench-web`: the workbench against a real server on a free port, timed as a browser
waits for it — `/app/cases` rendered with 10,000 cases in the ledger, and the evaluate page's
live-panel round trip (POST /app/evaluate/panel, what htmx sends on each answer). A simple
timed loop of real HTTP requests (one connection, kept alive, as one person's browser).

    .venv/bin/python -m bench.web [--cases 10000] [--requests 200] [--keep /tmp/bench-web]

The ledger is filled by `guanai ledger import` of a 10,000-row survey into a fresh SQLite
file (or PostgreSQL with --postgres); figures go to bench/results/web.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.survey.sheets import women, write_csv

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "gat_bench_web_admin_token_0000000000000000"
GOALS = {"cases_p95_ms": 200.0, "panel_p95_ms": 100.0}
ANSWERS = {  # a woman part-way through the intake, as the form posts her answers
    "sex": "female",
    "marital_status": "married",
    "husband_away": "true",
    "husband_away_reason": "migrant_work",
    "husband_away_continuous_months": "12",
    "residence_area": "village",
    "region_code": "430121",
    "age_years": "45",
    "household_income_pc_monthly": "600",
}


def fill(url: str, folder: Path, cases: int) -> float:
    """Import `cases` women into the ledger at `url`; seconds taken."""
    rows = [w | {"本人实际居住地类型": "村"} for w in women(cases)]
    sheet = write_csv(folder / "survey.csv", rows)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_FILE": str(folder / "key")}
    env.pop("POLICY_PATHS", None)
    started = time.perf_counter()
    command = [sys.executable, "-m", "cli", "ledger", "import", str(sheet), "--as-of", "2025-06-01"]
    command += ["--errors", str(folder / "errors.csv")]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"the import failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.perf_counter() - started


@contextmanager
def server(url: str, folder: Path) -> Iterator[str]:
    """uvicorn api.main:app on a free port, until the block ends."""
    from tests.web.server import free_port

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_FILE": str(folder / "key"),
        "GUANAI_ADMIN_TOKEN": ADMIN_TOKEN,
        "POLICY_PATHS": "",
    }
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit((folder / "server.log").read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def signed_in(base: str) -> tuple[httpx.Client, str]:
    """A caseworker's browser session (cookie) and its CSRF token."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    body = {"name": "测速干事", "role": "caseworker", "region": "430121"}
    token = httpx.post(f"{base}/v1/tokens", json=body, headers=admin).json()["token"]
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/app/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    client.post("/app/login", data={"token": token, "csrf_token": csrf.group(1)})
    page = client.get("/app/evaluate").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return client, found.group(1)


def timed(call: Callable[[], httpx.Response], count: int) -> dict[str, float]:
    """Milliseconds per request: p50, p95, max (after 10 warm-up requests)."""
    for _ in range(10):
        call().raise_for_status()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    times.sort()
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
        "requests": count,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="guanai-bench-web-") as tmp,
        _database(args.postgres, Path(tmp)) as url,
    ):
        folder = Path(tmp)
        fill_s = fill(url, folder, args.cases)
        with server(url, folder) as base:
            client, csrf = signed_in(base)
            total = client.get("/v1/cases?page_size=1", headers=_admin()).json()["total"]
            print(f"  ledger: {total:,} cases (import {fill_s:.1f} s)", file=sys.stderr)
            cases = timed(lambda: client.get("/app/cases"), args.requests)
            filtered = timed(lambda: client.get("/app/cases?village=光明村&page=3"), args.requests)
            headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
            panel = timed(
                lambda: client.post("/app/evaluate/panel", data=ANSWERS, headers=headers),
                args.requests,
            )
    result = {
        "database": "postgresql" if args.postgres else "sqlite",
        "cases_in_ledger": total,
        "fill_s": fill_s,
        "cases_page": cases,
        "cases_page_filtered": filtered,
        "evaluate_panel": panel,
        "goals": {
            "cases_p95_ms (≤ 200)": cases["p95_ms"],
            "panel_p95_ms (≤ 100)": panel["p95_ms"],
            "met": cases["p95_ms"] <= GOALS["cases_p95_ms"]
            and panel["p95_ms"] <= GOALS["panel_p95_ms"],
        },
    }
    out = ROOT / "bench" / "results" / "web.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


def _admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@contextmanager
def _folder(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="guanai-bench-web-") as tmp:
        yield Path(tmp)


@contextmanager
def _database(postgres: bool, folder: Path) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{folder}/ledger.db"
        return
    from tests.postgres import fresh_postgres_database

    with fresh_postgres_database() as url:
        yield url


if __name__ == "__main__":
    main()
