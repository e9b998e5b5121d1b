"""`guanai ledger import FILE`: every row validated, evaluated and stored whole or not at all,
failures in an error report, re-runs harmless — on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from engine import Evaluator, RulesRuntimeError
from ledger import survey
from ledger.survey.writing import insert_cases
from tests.conftest import REGIONS
from tests.id_numbers import mans
from tests.survey.conftest import SECRET, Db, run_import
from tests.survey.sheets import HEADERS, id_number, woman, women, write_csv, write_xlsx

REPORT = ["行号", "字段", "原因", "Reason"]


def report_lines(path: Path) -> list[list[str]]:
    """The error report's rows, after checking it is UTF-8 with a BOM."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert lines[0] == REPORT
    return lines[1:]


def problems(path: Path) -> set[tuple[int, str]]:
    """(row, field) of each line of the error report."""
    return {(int(line[0]), line[1]) for line in report_lines(path)}


def orphans(db: Db) -> int:
    """Rows anywhere in the ledger that belong to no stored case."""
    total = 0
    for table in ("profile_versions", "assessments", "case_codes", "case_classifications",
                  "referrals", "events"):  # fmt: skip
        value = db.scalar(
            f"SELECT count(*) FROM {table} WHERE case_id NOT IN (SELECT id FROM cases)"
        )
        assert isinstance(value, int)
        total += value
    value = db.scalar(
        "SELECT count(*) FROM referral_events WHERE referral_id NOT IN (SELECT id FROM referrals)"
    )
    assert isinstance(value, int)
    return total + value


class TestFormats:
    def test_a_csv_with_a_bom_is_imported_row_by_row(self, db: Db, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "光明村摸排表.csv", women(20))
        result = run_import(db, path)
        assert result.exit_code == 0, result.output
        assert "导入 20、已存在 0、出错 0" in result.stdout
        assert "imported 20, already imported 0, failed 0" in result.stdout
        assert "UTF-8（带 BOM" in result.stderr
        counts = db.counts()
        assert counts["cases"] == counts["profile_versions"] == counts["assessments"] == 20
        assert counts["referrals"] > 0 and counts["events"] > 20
        assert not (tmp_path / "光明村摸排表-导入错误.csv").exists()
        audit = str(db.scalar("SELECT detail FROM audit WHERE action = 'survey_import'"))
        assert "光明村摸排表.csv" in audit and "20" in audit  # one entry per import

    def test_an_xlsx_sheet_with_numbers_dates_and_booleans_as_cells(
        self, db: Db, tmp_path: Path
    ) -> None:
        headers = ["村", "出生日期", "评估日期", "性别", "婚姻状况", "丈夫是否外出",
                   "丈夫外出原因", "丈夫连续外出月数", "本人实际居住地类型",
                   "户籍地/居住地行政区划代码", "共同生活家庭成员人均月收入", "残疾等级",
                   "持有《中华人民共和国残疾人证》"]  # fmt: skip
        row: dict[str, Any] = {
            "村": "光明村",
            "出生日期": datetime(1980, 3, 15),
            "评估日期": datetime(2025, 6, 1),
            "性别": "女",
            "婚姻状况": "已婚",
            "丈夫是否外出": True,
            "丈夫外出原因": "外出务工",
            "丈夫连续外出月数": 12,
            "本人实际居住地类型": "村",
            "户籍地/居住地行政区划代码": 430121,
            "共同生活家庭成员人均月收入": 450.5,
            "残疾等级": 2,
            "持有《中华人民共和国残疾人证》": 1,
        }
        result = run_import(db, write_xlsx(tmp_path / "survey.xlsx", [row], headers))
        assert result.exit_code == 0, result.output
        assert "工作表 / worksheet “摸排表”" in result.stderr
        assert db.scalar("SELECT region_code FROM cases") == "430121"
        assert str(db.scalar("SELECT as_of FROM assessments")) == "2025-06-01"
        assert db.scalar("SELECT count(*) FROM referrals WHERE department = 'CIVIL_AFFAIRS'") == 1

    def test_a_gb18030_csv_from_wps_is_read_and_the_encoding_named(
        self, db: Db, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path / "wps.csv", women(5), encoding="gb18030")
        result = run_import(db, path)
        assert result.exit_code == 0, result.output
        assert "GB18030" in result.stderr
        assert db.counts()["cases"] == 5
        assert db.scalar("SELECT count(*) FROM cases WHERE village = '光明村'") == sum(
            1 for w in women(5) if w["村"] == "光明村"
        )

    def test_a_utf8_csv_without_a_bom(self, db: Db, tmp_path: Path) -> None:
        result = run_import(db, write_csv(tmp_path / "plain.csv", women(3), encoding="utf-8"))
        assert result.exit_code == 0, result.output
        assert "UTF-8" in result.stderr and "BOM" not in result.stderr
        assert db.counts()["cases"] == 3


class TestRegion:
    """A row needs a region, from its column or from --region; otherwise it is an error row
    (a case without one is seen by no caseworker)."""

    REGION_HEADER = "户籍地/居住地行政区划代码"

    def _report(self, tmp_path: Path) -> str:
        return (tmp_path / "摸排表-导入错误.csv").read_text(encoding="utf-8-sig")

    def test_a_row_without_a_region_is_an_error_row(self, db: Db, tmp_path: Path) -> None:
        rows = [w | {self.REGION_HEADER: ""} for w in women(3)]
        result = run_import(db, write_csv(tmp_path / "摸排表.csv", rows))
        assert result.exit_code == 1, result.output
        assert db.counts()["cases"] == 0
        assert self._report(tmp_path).count("行政区划代码不能为空") == 3

    def test_region_gives_the_rows_without_one_their_region(self, db: Db, tmp_path: Path) -> None:
        rows = [w | {self.REGION_HEADER: ""} for w in women(3)]
        headers = [h for h in HEADERS if h != self.REGION_HEADER]
        path = write_csv(tmp_path / "摸排表.csv", rows, headers)
        run_import(db, path, "--region", "430121")
        report = tmp_path / "摸排表-导入错误.csv"
        assert not report.exists() or "行政区划代码" not in self._report(tmp_path)
        assert db.counts()["cases"] >= 1
        regions = db.scalar("SELECT count(*) FROM cases WHERE region_code = '430121'")
        assert regions == db.counts()["cases"]
        bad = run_import(db, path, "--region", "4３0121")
        assert bad.exit_code == 2


class TestUnusableInput:
    """Exit 2 before any row: nothing stored (the ledger is not even opened)."""

    def run(self, tmp_path: Path, path: Path) -> tuple[Any, Path]:
        db = Db(f"sqlite:///{tmp_path}/untouched.db")
        return run_import(db, path), tmp_path / "untouched.db"

    def test_an_unknown_header_is_named_in_chinese_and_english(self, tmp_path: Path) -> None:
        rows = [dict(woman(1), 家庭住址="某某路1号")]
        path = write_csv(tmp_path / "survey.csv", rows, [*HEADERS, "家庭住址", " 联系电话 "])
        result, ledger = self.run(tmp_path, path)
        assert result.exit_code == 2
        assert "无法识别的表头：“家庭住址”、“联系电话”（第1行）" in result.stderr
        assert "unknown header(s): '家庭住址', '联系电话' (row 1)" in result.stderr
        assert "某某路" not in result.output
        assert not ledger.exists()

    def test_a_sheet_without_a_village_column(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "survey.csv", women(2), [h for h in HEADERS if h != "村"])
        result, ledger = self.run(tmp_path, path)
        assert result.exit_code == 2
        assert "缺少必需的“村”列" in result.stderr and "village" in result.stderr
        assert not ledger.exists()

    def test_a_missing_file(self, tmp_path: Path) -> None:
        result, ledger = self.run(tmp_path, tmp_path / "no-such.xlsx")
        assert result.exit_code == 2
        assert "无法读取文件" in result.stderr and "cannot read" in result.stderr
        assert not ledger.exists()

    def test_a_bad_default_date(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "survey.csv", women(1))
        db = Db(f"sqlite:///{tmp_path}/untouched.db")
        result = run_import(db, path, "--as-of", "2025-13-01")
        assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr


class TestRowErrors:
    def bad_rows(self) -> list[dict[str, Any]]:
        """Rows 2, 4, 6 are good; 3, 5, 7, 8 are not (one or more bad cells each)."""
        good = women(3)
        return [
            good[0],
            woman(11) | {"丈夫是否外出": "也许", "周岁年龄": "五十"},
            good[1],
            woman(12) | {"身份证号": "430121198003150026"},  # wrong check digit
            good[2],
            woman(13) | {"村": ""},
            woman(14) | {"劳动能力": "一般", "侵害类型": "家庭暴力、吵架"},
        ]

    def test_bad_cells_are_reported_with_row_field_and_reason_good_rows_are_stored(
        self, db: Db, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path / "survey.csv", self.bad_rows(), [*HEADERS, "周岁年龄"])
        result = run_import(db, path)
        assert result.exit_code == 1, result.output
        assert "导入 3、已存在 0、出错 4" in result.stdout
        report = tmp_path / "survey-导入错误.csv"
        assert f"错误报告 (error report): {report}" in result.stdout
        assert problems(report) == {
            (3, "丈夫是否外出 (husband_away)"),
            (3, "周岁年龄 (age_years)"),
            (5, "身份证号 (id_number)"),
            (7, "村 (village)"),
            (8, "劳动能力 (labour_capacity)"),
            (8, "侵害类型 (infringement_types)"),
        }
        reasons = {(int(r[0]), r[1]): (r[2], r[3]) for r in report_lines(report)}
        assert reasons[(5, "身份证号 (id_number)")] == (
            "身份证号校验位不正确",
            "check digit does not match",
        )
        assert reasons[(7, "村 (village)")][0] == "村不能为空"
        assert db.counts()["cases"] == 3 and orphans(db) == 0

    def test_the_report_goes_where_errors_says(self, db: Db, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "survey.csv", self.bad_rows(), [*HEADERS, "周岁年龄"])
        target = tmp_path / "reports" / "第一批.csv"
        result = run_import(db, path, "--errors", str(target))
        assert result.exit_code == 1
        assert len(problems(target)) == 6
        assert not (tmp_path / "survey-导入错误.csv").exists()

    def test_the_error_report_never_repeats_identity(self, db: Db, tmp_path: Path) -> None:
        rows = [
            woman(21) | {"姓名": "欧阳娜娜", "出生日期": "1985-07-09", "周岁年龄": "?"},
            woman(22) | {"姓名": "司马秀英", "身份证号": "43012119850709122"},
            woman(23) | {"姓名": "诸葛小梅", "身份证号": "430121198507091220", "村": ""},
            woman(24) | {"姓名": "x" * 101},
        ]
        path = write_csv(tmp_path / "survey.csv", rows, [*HEADERS, "出生日期", "周岁年龄"])
        result = run_import(db, path)
        assert result.exit_code == 1 and "出错 4" in result.stdout
        text = (tmp_path / "survey-导入错误.csv").read_text(encoding="utf-8-sig")
        for row in rows:
            for column in ("姓名", "身份证号", "出生日期"):
                value = str(row.get(column, ""))
                assert not value or value not in text, column
        for secret in ("1985-07-09", "19850709", "欧阳", "司马", "诸葛", "xxxx"):
            assert secret not in text and secret not in result.output

    def test_a_stated_sex_the_id_number_contradicts_is_a_row_error_naming_the_column(
        self, db: Db, tmp_path: Path
    ) -> None:
        his = mans("430121", "19800315", 3)  # a man's ID number: sequence code 007, odd
        rows = [
            woman(1),
            woman(31) | {"身份证号": his},  # 性别 女: contradicted
            woman(32) | {"身份证号": mans("430121", "19800315", 4), "性别": ""},  # derived: 男
            woman(33) | {"身份证号": mans("430121", "19800315", 5), "性别": "男"},  # agrees
        ]
        result = run_import(db, write_csv(tmp_path / "survey.csv", rows))
        assert result.exit_code == 1, result.output
        assert "导入 3、已存在 0、出错 1" in result.stdout
        report = tmp_path / "survey-导入错误.csv"
        assert report_lines(report) == [
            [
                "3",
                "性别 (sex)",
                "与身份证号（第17位）所示的性别不一致",
                "contradicts the sex shown by the ID number (its 17th digit)",
            ]
        ]
        assert his not in report.read_text(encoding="utf-8-sig") and his not in result.output
        assert db.counts()["cases"] == 3

    def test_an_id_number_excel_turned_into_a_number_is_a_row_error(
        self, db: Db, tmp_path: Path
    ) -> None:
        rows = [woman(1), woman(2) | {"身份证号": 430121196701130022}]
        result = run_import(db, write_xlsx(tmp_path / "survey.xlsx", rows))
        assert result.exit_code == 1
        [line] = report_lines(tmp_path / "survey-导入错误.csv")
        assert line[:2] == ["3", "身份证号 (id_number)"] and "文本格式" in line[2]
        assert db.counts()["cases"] == 1


class TestWholeOrNothing:
    def test_a_failing_row_leaves_no_case_referral_or_event(self, db: Db, tmp_path: Path) -> None:
        rows = women(4)
        rows[2] = rows[2] | {"村": "坏村", "身份证号": "430121198003150026"}
        result = run_import(db, write_csv(tmp_path / "survey.csv", rows))
        assert result.exit_code == 1
        assert db.counts()["cases"] == 3
        assert db.scalar("SELECT count(*) FROM cases WHERE village = '坏村'") == 0
        assert orphans(db) == 0

    def test_a_row_failing_after_its_writes_began_is_rolled_back_whole(
        self, db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The case, its profile version, assessment, index rows, referrals and events are
        already inserted when the failure comes (first in the chunk's bulk insert, then in
        the row's own savepoint): none of them may remain."""
        real = insert_cases

        def failing(session: Any, cases: list[Any]) -> None:
            real(session, cases)
            session.flush()
            if any(case.village == "坏村" for case in cases):
                raise RulesRuntimeError("injected after the writes")

        monkeypatch.setattr("ledger.survey.writing.insert_cases", failing)
        rows = women(5)
        rows[1] = rows[1] | {"村": "坏村"}
        sheet = survey.read_sheet(write_csv(tmp_path / "survey.csv", rows))
        ledger = db.ledger()
        evaluator = Evaluator(survey_policy())
        try:
            columns = survey.map_columns(sheet.headers, evaluator.catalog.facts)
            report = survey.import_rows(
                ledger, evaluator, columns, sheet.rows, survey.ImportReport(),
                as_of=date(2025, 6, 1), actor="test",
            )  # fmt: skip
        finally:
            evaluator.close()
            ledger.engine.dispose()
        assert (report.imported, report.failed) == (4, 1)
        assert [(p.row, p.field) for p in report.problems] == [(3, survey.WHOLE_ROW)]
        assert db.counts()["cases"] == 4
        assert db.scalar("SELECT count(*) FROM cases WHERE village = '坏村'") == 0
        assert orphans(db) == 0


def survey_policy() -> Any:
    """The policy the CLI loads in these tests (shipped + test regions)."""
    from engine import load_policy

    return load_policy(extra_dirs=[REGIONS])


class TestRerun:
    def test_the_same_file_again_stores_nothing_new(self, db: Db, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "survey.csv", women(12))
        assert run_import(db, path).exit_code == 0
        before = db.counts()
        result = run_import(db, path)
        assert result.exit_code == 0, result.output
        assert "导入 0、已存在 12、出错 0" in result.stdout
        assert "already imported 12" in result.stdout
        assert db.counts() == before

    def test_a_rerun_on_another_day_is_still_recognised(self, db: Db, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "survey.csv", women(4))
        assert run_import(db, path).exit_code == 0
        result = run_import(db, path, "--as-of", "2025-12-01")  # the later option wins
        assert result.exit_code == 0, result.output
        assert "导入 0、已存在 4、出错 0" in result.stdout
        assert "评估日期 2025-12-01" in result.stderr
        assert db.counts()["cases"] == 4

    def test_a_resaved_file_in_another_format_and_order_is_recognised(
        self, db: Db, tmp_path: Path
    ) -> None:
        rows = women(8)
        assert run_import(db, write_csv(tmp_path / "first.csv", rows)).exit_code == 0
        before = db.counts()
        respelled = [
            {k: {"是": True, "否": False}.get(v, v) if isinstance(v, str) else v
             for k, v in row.items()}
            | {"丈夫外出原因": {"外出务工": "务工"}.get(row["丈夫外出原因"], row["丈夫外出原因"])}
            for row in reversed(rows)
        ]  # fmt: skip
        headers = list(reversed(HEADERS))
        headers[headers.index("劳动能力")] = "劳动能力（无/弱/正常）"
        for row in respelled:
            row["劳动能力（无/弱/正常）"] = row.pop("劳动能力")
        result = run_import(db, write_xlsx(tmp_path / "resaved.xlsx", respelled, headers))
        assert result.exit_code == 0, result.output
        assert "导入 0、已存在 8、出错 0" in result.stdout
        assert db.counts() == before

    def test_identical_anonymous_rows_are_two_cases_and_stay_two(
        self, db: Db, tmp_path: Path
    ) -> None:
        twin = woman(10) | {"姓名": "", "身份证号": ""}
        path = write_csv(tmp_path / "survey.csv", [twin, woman(1), twin])
        assert "导入 3、" in run_import(db, path).stdout
        assert "导入 0、已存在 3、" in run_import(db, path).stdout
        assert db.counts()["cases"] == 3

    def test_a_clean_rerun_empties_the_old_error_report(self, db: Db, tmp_path: Path) -> None:
        rows = women(3)
        rows[1] = rows[1] | {"有未成年子女": "也许"}
        path = write_csv(tmp_path / "survey.csv", rows)
        assert run_import(db, path).exit_code == 1
        rows[1] = rows[1] | {"有未成年子女": "是"}
        write_csv(path, rows)
        result = run_import(db, path)
        assert result.exit_code == 0, result.output
        assert "导入 1、已存在 2、出错 0" in result.stdout
        assert report_lines(tmp_path / "survey-导入错误.csv") == []


class TestDuplicates:
    def test_a_woman_already_in_the_ledger_is_reported_not_created_again(
        self, db: Db, tmp_path: Path
    ) -> None:
        assert run_import(db, write_csv(tmp_path / "first.csv", women(3))).exit_code == 0
        again = woman(2) | {"共同生活家庭成员人均月收入": 999, "有未成年子女": "是"}
        result = run_import(db, write_csv(tmp_path / "second.csv", [woman(4), again]))
        assert result.exit_code == 1
        assert "导入 1、已存在 0、出错 1" in result.stdout
        [line] = report_lines(tmp_path / "second-导入错误.csv")
        assert line[:2] == ["3", "身份证号 (id_number)"] and "已有个案" in line[2]
        assert again["身份证号"] not in line[2] + line[3]
        assert db.counts()["cases"] == 4

    def test_the_same_id_twice_in_one_file(self, db: Db, tmp_path: Path) -> None:
        first = woman(5)
        second = woman(6) | {"身份证号": first["身份证号"]}
        result = run_import(db, write_csv(tmp_path / "survey.csv", [first, second]))
        assert result.exit_code == 1
        assert problems(tmp_path / "survey-导入错误.csv") == {(3, "身份证号 (id_number)")}
        assert db.counts()["cases"] == 1


class TestLargeFile:
    def test_a_thousand_rows_with_a_progress_bar_and_a_closing_note(
        self, db: Db, tmp_path: Path
    ) -> None:
        path = write_xlsx(tmp_path / "村摸排表.xlsx", women(1000))
        result = run_import(db, path)
        assert result.exit_code == 0, result.output
        assert "1000/1000" in result.stderr and "行/秒" in result.stderr
        assert "导入 1,000、已存在 0、出错 0（共 1,000 行），用时" in result.stdout
        assert "每秒" in result.stdout and "rows/s" in result.stdout
        assert db.counts()["cases"] == 1000
        assert db.scalar("SELECT count(DISTINCT id_hash) FROM cases") == 900
        assert id_number(1, date(1962, 1, 1)) not in result.output


class TestInterrupted:
    def test_ctrl_c_keeps_whole_rows_and_a_rerun_finishes_the_file(
        self, db: Db, tmp_path: Path
    ) -> None:
        path = write_csv(tmp_path / "survey.csv", women(400))
        env = dict(os.environ, DATABASE_URL=db.url, IDENTITY_SECRET=SECRET, POLICY_PATHS="")
        command = [sys.executable, "-m", "cli.main", "ledger", "import", str(path)]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if (tmp_path / "ledger.db").exists() or "postgresql" in db.url:
                stored = db.scalar("SELECT count(*) FROM cases") if db_ready(db) else 0
                if isinstance(stored, int) and stored >= 20:
                    break
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, out + err
        assert "导入中止" in out and "已中断" in out
        stored = db.counts()["cases"]
        assert 20 <= stored < 400 and orphans(db) == 0
        assert f"导入 {stored:,}、" in out
        result = run_import(db, path)
        assert result.exit_code == 0, result.output
        assert f"导入 {400 - stored:,}、已存在 {stored:,}、出错 0" in result.stdout


def db_ready(db: Db) -> bool:
    """The import has created the ledger's tables."""
    try:
        db.scalar("SELECT count(*) FROM cases")
    except Exception:
        return False
    return True
