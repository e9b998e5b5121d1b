"""The survey import: a 10,000-row 摸排表 (CSV, as a clerk's spreadsheet saves it) imported
with `guanai ledger import` into a fresh SQLite file and a fresh PostgreSQL database, timed
from launch to exit (what the clerk waits for), and the in-process evaluation of the same
rows (read, parse, evaluate: no database), in seconds.

Besides the wall clock, each import reports its CPU seconds: the importing process's own
and its evaluating processes' (getrusage of the command, which waits for its workers),
and the machine's load average at the time — the wall clock depends on the neighbours.
`python -m bench.imports [ROWS]` runs this section alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.inprocess import DAY, ROOT
from engine import Evaluator, load_policy
from ledger import survey
from tests.survey.sheets import women, write_csv

# `python -m cli …`, and on exit the CPU seconds of the process and of the (waited-for)
# processes it started, written to the file named by the first argument
_CLI = """
import atexit, json, resource, sys
out = sys.argv.pop(1)
def _cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump({"parent_cpu_s": s.ru_utime + s.ru_stime,
                   "children_cpu_s": c.ru_utime + c.ru_stime}, f)
atexit.register(_cpu)
sys.argv[0] = "guanai"
from cli.main import app
app()
"""


def _import(path: Path, url: str, folder: Path) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_FILE": str(folder / "key")}
    env.pop("POLICY_PATHS", None)
    cpu = folder / "cpu.json"
    command = [sys.executable, "-c", _CLI, str(cpu), "ledger", "import", str(path)]
    command += ["--as-of", DAY.isoformat(), "--errors", str(folder / "errors.csv")]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"the import failed ({done.returncode}): {done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(cpu.read_text(encoding="utf-8"))
    return {"wall_s": elapsed, **figures, "load_before": load, "load_after": os.getloadavg()[0]}


def evaluate_only(path: Path) -> float:
    """Seconds to read, parse and evaluate every row in this process."""
    started = time.perf_counter()
    table = survey.read_sheet(path)
    policy = load_policy()
    columns = survey.map_columns(table.headers, policy.catalog.facts, table.header_row)
    evaluator = Evaluator(policy)
    for number, cells in table.rows:
        row = survey.parse_row(columns, number, cells)
        if not row.blank and not row.problems:
            evaluator.evaluate(row.profile, as_of=row.as_of or DAY)
    return time.perf_counter() - started


def _say(what: str, run: dict[str, Any]) -> None:
    print(
        f"  {what}: {run['wall_s']:.1f} s (CPU: importing process {run['parent_cpu_s']:.1f} s,"
        f" evaluating processes {run['children_cpu_s']:.1f} s; load average"
        f" {run['load_before']:.1f} → {run['load_after']:.1f})",
        file=sys.stderr,
    )


def measure(rows: int, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `import` section of latest.json (the CPU seconds and loads go to `details`)."""
    from tests.postgres import fresh_postgres_database

    with tempfile.TemporaryDirectory(prefix="guanai-bench-import-") as tmp:
        folder = Path(tmp)
        sheet = write_csv(folder / "村摸排表.csv", women(rows))
        sqlite = _import(sheet, f"sqlite:///{folder}/ledger.db", folder)
        _say(f"import {rows:,} rows into SQLite", sqlite)
        with fresh_postgres_database() as url:
            postgresql = _import(sheet, url, folder)
        _say(f"import {rows:,} rows into PostgreSQL", postgresql)
        cpu_started = time.process_time()
        evaluate_s = evaluate_only(sheet)
        evaluate_cpu = time.process_time() - cpu_started
        print(
            f"  evaluate the same rows in process: {evaluate_s:.1f} s ({evaluate_cpu:.1f} CPU-s)",
            file=sys.stderr,
        )
    if details is not None:
        details["import"] = {
            "sqlite": sqlite,
            "postgresql": postgresql,
            "evaluate_only_cpu_s": evaluate_cpu,
        }
    return {
        "rows": rows,
        "sqlite_s": sqlite["wall_s"],
        "postgresql_s": postgresql["wall_s"],
        "evaluate_only_s": evaluate_s,
    }


if __name__ == "__main__":
    found: dict[str, Any] = {}
    summary = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, found)
    print(json.dumps({**summary, **found}, indent=2, ensure_ascii=False))
