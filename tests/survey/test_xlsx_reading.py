"""An XLSX survey is streamed (openpyxl's read-only mode) and its merged ranges read from
the worksheet's XML: rows keep the numbers the spreadsheet shows, every row is as wide as
the sheet, a merged cell holds for every cell it spans, and a wrong size record in the
file does not cut rows short."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from ledger.survey import read_sheet
from tests.survey.sheets import first_sheet


def _book(path: Path) -> Path:
    book = Workbook()
    sheet = first_sheet(book)
    sheet.append(["村", "姓名", "周岁年龄", "出生日期"])
    sheet.append(["光明村", "甲", 40, date(1980, 3, 15)])
    sheet.append([])  # row 3 empty: skipped, the numbers after it unchanged
    sheet.append(["红星村", "乙", 41])
    sheet.append([None, "丙", "42"])
    sheet.merge_cells("A4:A6")  # spans a row below the last one written
    sheet["B7"] = "丁"
    sheet.merge_cells("B7:C7")
    book.save(path)
    return path


def test_rows_numbers_widths_and_merged_ranges(tmp_path: Path) -> None:
    sheet = read_sheet(_book(tmp_path / "survey.xlsx"))
    assert sheet.headers == ["村", "姓名", "周岁年龄", "出生日期"]
    assert sheet.rows == [
        (2, ["光明村", "甲", 40, sheet.rows[0][1][3]]),
        (4, ["红星村", "乙", 41, None]),
        (5, ["红星村", "丙", "42", None]),
        (6, ["红星村", None, None, None]),
        (7, [None, "丁", "丁", None]),
    ]
    assert sheet.rows[0][1][3].date() == date(1980, 3, 15)


def test_a_wrong_size_record_does_not_cut_rows_short(tmp_path: Path) -> None:
    path = _book(tmp_path / "survey.xlsx")
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data, count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
                assert count == 1
            target.writestr(item, data)
    assert read_sheet(damaged).rows == read_sheet(path).rows
