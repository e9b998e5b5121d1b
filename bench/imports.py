"""The survey import: a 10,000-row 摸排表 (CSV, as a clerk's spreadsheet saves it) imported
with `guanai ledger import` into a fresh SQLite file and a fresh PostgreSQL database, timed
from launch to exit (what the clerk waits for), and the in-process evaluation of the same
rows (read, parse, evaluate: no database), in seconds.
"""

from __future__ import annotations

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


def _import(path: Path, url: str, folder: Path) -> float:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_FILE": str(folder / "key")}
    env.pop("POLICY_PATHS", None)
    command = [sys.executable, "-m", "cli", "ledger", "import", str(path)]
    command += ["--as-of", DAY.isoformat(), "--errors", str(folder / "errors.csv")]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"the import failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


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


def measure(rows: int) -> dict[str, Any]:
    """The `import` section of latest.json."""
    from tests.postgres import fresh_postgres_database

    with tempfile.TemporaryDirectory(prefix="guanai-bench-import-") as tmp:
        folder = Path(tmp)
        sheet = write_csv(folder / "村摸排表.csv", women(rows))
        sqlite_s = _import(sheet, f"sqlite:///{folder}/ledger.db", folder)
        print(f"  import {rows:,} rows into SQLite: {sqlite_s:.1f} s", file=sys.stderr)
        with fresh_postgres_database() as url:
            postgresql_s = _import(sheet, url, folder)
        print(f"  import {rows:,} rows into PostgreSQL: {postgresql_s:.1f} s", file=sys.stderr)
        evaluate_s = evaluate_only(sheet)
        print(f"  evaluate the same rows in process: {evaluate_s:.1f} s", file=sys.stderr)
    return {
        "rows": rows,
        "sqlite_s": sqlite_s,
        "postgresql_s": postgresql_s,
        "evaluate_only_s": evaluate_s,
    }
