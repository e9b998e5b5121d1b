"""The bulk import writes exactly what `create_case` writes, row for row: the same case,
profile version, assessment, index rows, referrals, referral history and events (only ids
and time stamps differ)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from engine import Evaluator, load_policy
from ledger import survey
from ledger.cases import create_case
from ledger.db import Ledger
from tests.conftest import REGIONS
from tests.survey.conftest import SECRET
from tests.survey.sheets import women, write_csv

DAY = date(2025, 6, 1)
QUERIES = {
    "cases": "SELECT idempotency_key, number, region_code, village, status, version, name, id_hash,"
    " id_last4, request_fingerprint, hardship, next_review_due, closed_at FROM cases",
    "profiles": "SELECT c.idempotency_key, p.version, p.profile, p.actor"
    " FROM profile_versions p JOIN cases c ON c.id = p.case_id",
    "assessments": "SELECT c.idempotency_key, a.profile_version, a.as_of, a.policy_version,"
    " a.reason, a.result, a.actor FROM assessments a JOIN cases c ON c.id = a.case_id",
    "codes": "SELECT c.idempotency_key, x.code, x.status FROM case_codes x"
    " JOIN cases c ON c.id = x.case_id",
    "classifications": "SELECT c.idempotency_key, x.name, x.value FROM case_classifications x"
    " JOIN cases c ON c.id = x.case_id",
    "referrals": "SELECT c.idempotency_key, r.department, r.region_code, r.codes, r.urgent,"
    " r.status FROM referrals r JOIN cases c ON c.id = r.case_id",
    "referral_events": "SELECT c.idempotency_key, r.department, e.from_status, e.to_status,"
    " e.note, e.actor FROM referral_events e JOIN referrals r ON r.id = e.referral_id"
    " JOIN cases c ON c.id = r.case_id",
    "events": "SELECT c.idempotency_key, e.kind, e.actor, e.data, e.referral_id IS NULL"
    " FROM events e JOIN cases c ON c.id = e.case_id",
}


def _contents(ledger: Ledger) -> dict[str, Counter[str]]:
    with ledger.engine.connect() as connection:
        return {
            name: Counter(repr(tuple(row)) for row in connection.execute(text(sql)))
            for name, sql in QUERIES.items()
        }


def create_each(
    ledger: Ledger, evaluator: Evaluator, columns: Any, rows: list[tuple[int, Any]]
) -> int:
    """Every row the import would store, stored through `create_case` one at a time (with
    the import's own idempotency keys); how many were stored."""
    occurrences: Counter[str] = Counter()
    stored = 0
    for number, cells in rows:
        row = survey.parse_row(columns, number, cells)
        if row.problems or row.village is None:
            continue  # the import reports it; neither path stores it
        stored += 1
        content = row.content()
        occurrences[content] += 1
        with ledger.session() as session:
            create_case(
                session, evaluator, profile=row.profile, village=row.village,
                as_of=row.as_of or DAY, actor="test", secret=SECRET,
                idempotency_key=survey.row_key(SECRET, content, occurrences[content]),
            )  # fmt: skip
    return stored


def assert_same_rows(expected_ledger: Ledger, got_ledger: Ledger) -> None:
    """Every table of QUERIES holds the same rows in both ledgers (and some rows)."""
    expected, got = _contents(expected_ledger), _contents(got_ledger)
    for table in QUERIES:
        assert sum(got[table].values()) > 0 or table == "referral_events", table
        assert got[table] == expected[table], table


def test_the_bulk_import_writes_what_create_case_writes(tmp_path: Path) -> None:
    sheet = survey.read_sheet(write_csv(tmp_path / "survey.csv", women(60)))
    evaluator = Evaluator(load_policy(extra_dirs=[REGIONS]))
    columns = survey.map_columns(sheet.headers, evaluator.catalog.facts)
    one_by_one = Ledger.open(f"sqlite:///{tmp_path}/orm.db", SECRET)
    bulk = Ledger.open(f"sqlite:///{tmp_path}/bulk.db", SECRET)
    try:
        stored = create_each(one_by_one, evaluator, columns, sheet.rows)
        report = survey.import_rows(
            bulk, evaluator, columns, sheet.rows, survey.ImportReport(), as_of=DAY, actor="test"
        )
        assert stored > 30 and (report.imported, report.failed) == (stored, 60 - stored)
        assert_same_rows(one_by_one, bulk)
    finally:
        evaluator.close()
        one_by_one.engine.dispose()
        bulk.engine.dispose()
