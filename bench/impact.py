"""`python -m bench.impact [--cases 100000]`: the impact replay on a generated ledger.

A fresh PostgreSQL database (the tests' throwaway server, or DATABASE_URL with --url) gets N
open cases by Core bulk inserts; then two drafts are replayed over all of them:

- `parameter`: 湖南（测试）'s 低保标准 raised — only cases in 43xxxx can change, the others
  are counted without being evaluated twice (same rules, same resolved parameters);
- `rule`: one rule's condition narrowed — every case is checked under both sets.

Each case first has only the decisions the draft can change evaluated under both sets; those
where one differs are evaluated in full under both (`evaluated_in_full`).

Target (issue 13): 100,000 cases in ≤ 60 s on this machine. Results: bench/results/impact.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.caseload import generate
from engine import Policy, load_policy
from engine.sources import load_sources, overlay
from ledger.db import Ledger
from ledger.impact import Replay, replay

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ROOT / "tests" / "fixtures" / "regions"
DAY = date(2025, 6, 1)


def parameter_draft(policy: Policy) -> Policy:
    """湖南（测试）'s 2025 低保标准 600 → 800."""
    text = (REGIONS / "hunan-430000.yaml").read_text(encoding="utf-8")
    data = text.replace("value: 600", "value: 800").encode()
    return load_sources(overlay(policy.sources, [("hunan-430000.yaml", data)]))


def rule_draft(policy: Policy) -> Policy:
    """The last condition of 3-6-family.yaml narrowed to women with minor children."""
    source = next(s for s in policy.sources if s.path.endswith("3-6-family.yaml"))
    lines = source.data.decode().splitlines(keepends=True)
    index = max(i for i, line in enumerate(lines) if line.startswith("  when:"))
    if lines[index].rstrip().endswith(">"):  # folded: the condition starts on the next line
        index += 1
        lines[index] = re.sub(r"^(\s+)", r"\1f.has_minor_children and ", lines[index])
    else:
        condition = lines[index].split("when:", 1)[1].strip()
        lines[index] = f"  when: ({condition}) and f.has_minor_children\n"
    return load_sources(overlay(policy.sources, [(source.path, "".join(lines).encode())]))


def _cpu() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(url: str, cases: int, workers: int | None) -> dict[str, Any]:
    """Generate the ledger and replay both drafts; the figures."""
    policy = load_policy(extra_dirs=[REGIONS])
    ledger = Ledger.open(url, "bench-secret")
    started = time.perf_counter()
    generate(ledger.engine, cases, policy)
    figures: dict[str, Any] = {
        "cases": cases,
        "generate_seconds": round(time.perf_counter() - started, 1),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "load_average_before": os.getloadavg()[0],
    }
    for name, draft in (("parameter", parameter_draft(policy)), ("rule", rule_draft(policy))):
        cpu = _cpu()
        report = replay(ledger.engine, Replay(policy, draft, DAY, workers=workers))
        cpu = _cpu() - cpu
        figures[name] = {
            "seconds": round(report.seconds, 1),
            # CPU of this process and its workers (not PostgreSQL's): on an idle machine the
            # wall time is about this over the cores; the shared machine's load inflates it
            "cpu_seconds": round(cpu, 1),
            "load_average": round(os.getloadavg()[0], 1),
            "cases_per_second": round(cases / report.seconds),
            "evaluated_in_full": report.cases - report.skipped,
            "changed": report.changed,
        }
        print(f"{name}: {json.dumps(figures[name], ensure_ascii=False)}", flush=True)
    figures["load_average_after"] = os.getloadavg()[0]
    ledger.engine.dispose()
    return figures


def main() -> None:
    """Parse the arguments, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway one)")
    args = parser.parse_args()
    if args.url:
        figures = run(args.url, args.cases, args.workers)
    else:
        from tests.postgres import fresh_postgres_database

        with fresh_postgres_database() as url:
            figures = run(url, args.cases, args.workers)
    out = ROOT / "bench" / "results" / "impact.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
