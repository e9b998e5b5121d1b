"""The impact of a draft: on a generated ledger of 2,000 cases, raising 湖南（测试）'s
低保标准 through a draft flips exactly the cases that evaluating each one by hand under both
sets flips; the report opens in Excel with Chinese headers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bench.caseload import generate
from engine import Evaluator, Policy
from engine.sources import load_sources, overlay
from ledger.db import Ledger
from ledger.impact import ImpactReport, Replay, compare, open_cases, replay, write_report
from ledger.impact.export import CASE_HEADERS, CODE_HEADERS
from tests.conftest import REGIONS
from tests.postgres import fresh_postgres_database

DAY = date(2025, 6, 1)
CASES = 2000


def raised_draft(policy: Policy, value: int = 800) -> Policy:
    """The set with 湖南（测试）'s 2025 低保标准 raised from 600 to `value`."""
    text = (REGIONS / "hunan-430000.yaml").read_text(encoding="utf-8")
    assert "value: 600" in text
    draft = [("hunan-430000.yaml", text.replace("value: 600", f"value: {value}").encode())]
    return load_sources(overlay(policy.sources, draft))


@pytest.fixture(scope="module")
def ledger(policy: Policy) -> Iterator[Ledger]:
    with fresh_postgres_database() as url:
        opened = Ledger.open(url, "test-secret")
        generate(opened.engine, CASES, policy)
        yield opened
        opened.engine.dispose()


@pytest.fixture(scope="module")
def report(ledger: Ledger, policy: Policy) -> ImpactReport:
    seen: list[tuple[int, int]] = []
    result = replay(
        ledger.engine,
        Replay(base=policy, draft=raised_draft(policy), as_of=DAY),
        progress=lambda done, total: seen.append((done, total)),
    )
    streamed = seen[0][1]  # only the cases 湖南's change can reach are read at all
    assert 0 < streamed < CASES and seen[0] == (0, streamed) and seen[-1] == (streamed, streamed)
    return result


@pytest.mark.postgres
class TestImpactReplay:
    def test_the_flips_are_those_of_evaluating_each_case_by_hand(
        self, ledger: Ledger, policy: Policy, report: ImpactReport
    ) -> None:
        base, draft = Evaluator(policy), Evaluator(raised_draft(policy))
        by_hand = {}
        for rows in open_cases(ledger.engine, None):
            for number, region, village, profile in rows:
                assert isinstance(profile, dict)
                change = compare(
                    number,
                    region,
                    village,
                    base.evaluate(profile, as_of=DAY),
                    draft.evaluate(profile, as_of=DAY),
                )
                if change.changed:
                    by_hand[number] = change
        assert report.cases == CASES and report.errors == 0
        assert by_hand, "raising the standard must flip some cases"
        assert {c.case: c for c in report.changes} == by_hand
        assert all(c.region and c.region.startswith("43") for c in report.changes)
        assert report.codes["REFER_DIBAO"].gained > 0
        # the cases outside 湖南 were not evaluated twice: nothing there can change
        assert report.skipped >= sum(1 for _ in _outside_hunan(ledger))

    def test_the_xlsx_opens_with_chinese_headers_and_case_numbers(
        self, report: ImpactReport, policy: Policy, tmp_path: Path
    ) -> None:
        path = tmp_path / "影响.xlsx"
        write_report(report, policy.catalog, path)
        book = load_workbook(path, read_only=True)
        assert book.sheetnames == ["概况", "按项目", "按部门", "按地区和村", "变化的个案"]
        cases = list(book["变化的个案"].iter_rows(values_only=True))
        assert list(cases[0]) == CASE_HEADERS
        assert {row[0] for row in cases[1:]} == {c.case for c in report.changes}
        codes = list(book["按项目"].iter_rows(values_only=True))
        assert list(codes[0]) == CODE_HEADERS
        assert any(row[0] == "REFER_DIBAO" and row[1] == "最低生活保障审核确认（转介）"
                   for row in codes[1:])  # fmt: skip

    def test_csv_and_json_carry_the_same_cases(
        self, report: ImpactReport, policy: Policy, tmp_path: Path
    ) -> None:
        import csv
        import json

        write_report(report, policy.catalog, tmp_path / "a.csv")
        with (tmp_path / "a.csv").open(encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        assert rows[0] == CASE_HEADERS and len(rows) == report.changed + 1
        write_report(report, policy.catalog, tmp_path / "a.json")
        data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
        assert [c["case"] for c in data["changes"]] == [c.case for c in report.changes]


def _outside_hunan(ledger: Ledger) -> Iterator[str]:
    for rows in open_cases(ledger.engine, None):
        yield from (n for n, region, _, _ in rows if not (region or "").startswith("43"))
