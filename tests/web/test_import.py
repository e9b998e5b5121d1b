"""Importing a 摸排表 from the browser: a CSV with a bad row runs in the background, its page
shows the progress, then the result; the error report names the bad row and field. The
blank template is an XLSX with the headers, drop-down lists and the ID column as text."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from playwright.sync_api import Page, expect

from engine import load_policy
from ledger.survey import map_columns
from ledger.survey.template import FIRST, choices_of
from tests.survey.sheets import HEADERS, woman
from tests.web.browser import sign_in
from tests.web.server import WebServer


def survey_file(folder: Path, outside: bool = False) -> Path:
    """Three rows: two women, and one whose 性别 cannot be read (row 3 of the sheet); with
    `outside`, a fourth of another county (浏阳市 430181), not the caseworker's to record."""
    rows = [woman(i) | {"本人实际居住地类型": "村"} for i in (1, 2, 3)]
    rows[1]["性别"] = "不知道"
    if outside:
        rows.append(woman(4) | {"本人实际居住地类型": "村", "户籍地/居住地行政区划代码": "430181"})
    path = folder / "光明村摸排表.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_survey_with_a_bad_row_is_imported_and_its_error_report_names_the_row(
    page: Page, web: WebServer, tmp_path: Path
) -> None:
    before = web.api("GET", "/v1/cases", "caseworker").json()["total"]
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/import")
    page.get_by_label("摸排表文件").set_input_files(survey_file(tmp_path, outside=True))
    with page.expect_navigation(url=re.compile(r"/app/import/[0-9a-f]{32}$")):
        page.get_by_role("button", name="开始导入").click()
    expect(page.locator("#import-status h2")).to_have_text("导入完成", timeout=60_000)
    expect(page.locator("#import-progress")).to_contain_text("已处理 4 / 4 行（100%）")
    expect(page.locator("#r-imported")).to_have_text("2")
    expect(page.locator("#r-failed")).to_have_text("2")
    assert web.api("GET", "/v1/cases", "caseworker").json()["total"] == before + 2
    with page.expect_download() as download:
        page.locator("#error-report").click()
    report = Path(download.value.path()).read_bytes()
    assert report.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert lines[0] == ["行号", "字段", "原因", "Reason"]
    assert [(line[0], line[1]) for line in lines[1:]] == [
        ("3", "性别 (sex)"),
        ("5", "户籍地/居住地行政区划代码 (region_code)"),
    ]
    assert lines[2][2] == "必须填写，且在 430121 辖区内"
    assert "不知道" not in report.decode("utf-8-sig")  # the report never repeats a value
    audit = web.api("GET", "/v1/audit?action=survey_import").json()["items"]
    assert audit[0]["detail"]["imported"] == 2 and audit[0]["detail"]["failed"] == 2


def test_a_file_that_is_not_a_survey_is_refused_on_the_page(
    page: Page, web: WebServer, tmp_path: Path
) -> None:
    bad = tmp_path / "note.csv"
    bad.write_text("姓名,鞋码\n张三,38\n", encoding="utf-8")
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/import")
    page.get_by_label("摸排表文件").set_input_files(bad)
    page.get_by_role("button", name="开始导入").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("无法识别的表头")
    expect(summary).to_contain_text("鞋码")


def test_the_blank_template_has_the_headers_drop_downs_and_a_text_id_column(
    page: Page, web: WebServer
) -> None:
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/import")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("下载空白摸排表")).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book["摸排表"]
    facts = load_policy().catalog.facts
    headers = [str(c.value) for c in sheet[1]]
    assert headers == [*FIRST, *(f.zh for f in facts.values())]
    assert all(c.target for c in map_columns(headers, facts))  # the import reads every header
    assert sheet["B2"].number_format == "@" and sheet["B500"].number_format == "@"
    validations = {
        str(v.sqref).split(":")[0][:-1]: v for v in sheet.data_validations.dataValidation
    }
    options = book["选项"]
    expected = {name: choices_of(f) for name, f in facts.items() if choices_of(f)}
    assert len(validations) == len(expected) > 10
    for index, (_name, fdef) in enumerate(facts.items()):
        wanted = choices_of(fdef)
        letter = get_column_letter(len(FIRST) + index + 1)
        if not wanted:
            assert letter not in validations
            continue
        rule = validations[letter]
        assert rule.type == "list"
        found = re.fullmatch(r"='选项'!\$([A-Z]+)\$1:\$\1\$(\d+)", str(rule.formula1))
        assert found is not None, rule.formula1
        column, last = found.groups()
        assert tuple(options[f"{column}{r}"].value for r in range(1, int(last) + 1)) == wanted
    assert ("是", "否") in expected.values()
