"""`python -m bench.web`: the workbench's two goals (issue 11) on a real server.

- `/app/cases` rendered with 10,000 cases in the ledger: p95 ≤ 200 ms (first page, and a
  filtered page), the audit entry of each listing included.
- the evaluate panel's round-trip (POST /app/evaluate/panel, explain=all): p95 ≤ 100 ms.

The ledger is an SQLite file: 50 cases recorded through the ledger's own create_case, then
cloned (cases and their index rows) up to 10,000. Results go to bench/results/web.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from engine import Evaluator, load_policy
from ledger import cases
from ledger.db import Ledger
from tests.id_numbers import womans

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "gat_bench-admin-token-0123456789abcdef"


def seed(path: Path, total: int) -> None:
    """`total` cases: 50 real ones, the rest cloned with fresh ids and numbers."""
    ledger = Ledger.open(f"sqlite:///{path}", "b" * 64)
    evaluator = Evaluator(load_policy())
    villages = ["光明村", "东山村", "西河村", "南岭村", "北坡村"]
    with ledger.session() as session:
        for n in range(50):
            profile = {
                "sex": "female", "marital_status": "married", "husband_away": True,
                "husband_away_reason": "migrant_work", "husband_away_continuous_months": 6 + n % 12,
                "residence_area": "village", "region_code": "430121", "age_years": 30 + n % 40,
                "has_disability_certificate": n % 3 == 0, "name": f"张{n}梅",
                "id_number": womans("430121", f"1980{n % 12 + 1:02d}01", n),
            }  # fmt: skip
            cases.create_case(
                session, evaluator, profile=profile, village=villages[n % 5],
                as_of=date(2025, 6, 1), actor="bench", secret=ledger.secret,
            )  # fmt: skip
    evaluator.close()
    db = sqlite3.connect(path)
    real = db.execute("SELECT id FROM cases").fetchall()
    cols = [r[1] for r in db.execute("PRAGMA table_info(cases)")]
    for i in range(total - len(real)):
        source = real[i % len(real)][0]
        new = uuid.uuid4().hex
        values = {c: f"'{new}'" if c == "id" else c for c in cols}
        values["number"] = f"'430121-2025-{51 + i:06d}'"
        values["id_hash"] = f"'{uuid.uuid4().hex}{uuid.uuid4().hex}'"
        values["name"] = f"'王{i}芳'"
        values["id_last4"] = f"'{i % 10000:04d}'"
        db.execute(
            f"INSERT INTO cases ({', '.join(cols)}) SELECT {', '.join(values.values())}"
            " FROM cases WHERE id = ?",
            (source,),
        )
        for table in ("case_codes", "case_classifications"):
            tcols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            picked = ", ".join(f"'{new}'" if c == "case_id" else c for c in tcols)
            db.execute(
                f"INSERT INTO {table} ({', '.join(tcols)}) SELECT {picked} FROM {table}"
                " WHERE case_id = ?",
                (source,),
            )
    db.commit()
    db.close()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _time(call: Any, n: int) -> dict[str, float]:
    for _ in range(5):
        call()  # warm up
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        answer = call()
        samples.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.status_code
    return {"p50_ms": statistics.median(samples), "p95_ms": _p95(samples), "n": n}


def measure(total: int, n: int) -> dict[str, Any]:
    """Seed, serve, sign in, time both goals."""
    folder = Path(tempfile.mkdtemp(prefix="guanai-bench-web-"))
    path = folder / "guanai.db"
    seed(path, total)
    port = _port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "IDENTITY_SECRET": "b" * 64,
           "GUANAI_ADMIN_TOKEN": ADMIN_TOKEN, "POLICY_PATHS": ""}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as client:
            form = client.get("/app/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert csrf
            client.post("/app/login", data={"token": ADMIN_TOKEN, "csrf_token": csrf.group(1)})
            page = client.get("/app/evaluate").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert token
            listed = client.get("/app/cases")
            assert f"共 {total} 个个案" in listed.text, "the ledger was not seeded"
            answers = {
                "csrf_token": token.group(1), "sex": "female", "marital_status": "married",
                "husband_away": "true", "husband_away_reason": "migrant_work",
                "husband_away_continuous_months": "8", "residence_area": "village",
                "age_years": "52", "has_disability_certificate": "true",
                "disability_category": "physical", "disability_grade": "2",
            }  # fmt: skip
            return {
                "cases": total,
                "cases_first_page": _time(lambda: client.get("/app/cases"), n),
                "cases_filtered": _time(
                    lambda: client.get(
                        "/app/cases?village=东山村&classification=is_hardship_group&page=3"
                    ),
                    n,
                ),
                "cases_search_last4": _time(lambda: client.get("/app/cases?q=0420"), n),
                "evaluate_panel": _time(
                    lambda: client.post("/app/evaluate/panel", data=answers), n
                ),
            }
    finally:
        server.terminate()
        server.wait(timeout=15)


def main() -> None:
    """Run and print (and write bench/results/web.json)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("-n", type=int, default=200, help="requests per measurement")
    args = parser.parse_args()
    result = measure(args.cases, args.n)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "web.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
