"""Fictitious village surveys, written as CSV (any encoding) or XLSX at test time.

A 10,000-row survey to import by hand: `python -m tests.survey.sheets 10000 /tmp/村摸排表.xlsx`.
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.id_numbers import womans

Row = dict[str, Any]

# Headers as a clerk writes them: full labels, labels without their note, identity columns.
HEADERS = [
    "序号",
    "姓名",
    "身份证号",
    "村",
    "性别",
    "婚姻状况",
    "丈夫是否外出",
    "丈夫外出原因",
    "丈夫连续外出月数",
    "本人实际居住地类型",
    "户籍地/居住地行政区划代码",
    "共同生活家庭成员人均月收入",
    "家庭财产状况符合当地规定",
    "持有《中华人民共和国残疾人证》",
    "残疾类别",
    "残疾等级",
    "需要长期照护",
    "有固定生活来源",
    "劳动能力",
    "有就业创业意愿",
    "合法权益遭受侵害",
    "侵害类型",
    "有需要法律帮助的事项",
    "法律事项类型",
    "有未成年子女",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "桂英", "秀兰", "玉兰", "桂兰", "秀珍", "凤英", "玉珍", "玉梅", "小梅"]
VILLAGES = ["光明村", "红星村", "向阳村", "新华村", "石桥村"]


def first_sheet(book: Workbook) -> Worksheet:
    """The workbook's active sheet (typed: openpyxl says it may be missing)."""
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    return sheet


def id_number(serial: int, born: date) -> str:
    """A woman's valid resident ID for 长沙县 (430121): an even 17th digit, the check digit."""
    return womans("430121", f"{born:%Y%m%d}", serial)


def woman(i: int, rng: random.Random | None = None) -> Row:
    """Survey row `i` (1-based): a left-behind woman with a varied, valid set of answers.

    Every row has a different ID number (a few have none: anonymous rows)."""
    rng = rng or random.Random(i)
    born = date(1962, 1, 1) + timedelta(days=(i * 7919) % 14000)  # (born, serial) unique
    row: Row = {
        "序号": i,
        "姓名": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "身份证号": id_number(i, born) if i % 10 else "",
        "村": rng.choice(VILLAGES),
        "性别": "女",
        "婚姻状况": rng.choice(["已婚", "已婚", "已婚", "丧偶", "离异"]),
        "丈夫是否外出": rng.choice(["是", "是", "否"]),
        "丈夫外出原因": rng.choice(["外出务工", "经商", "务工", ""]),
        "丈夫连续外出月数": rng.choice([3, 6, 8, 12, 24, ""]),
        "本人实际居住地类型": rng.choice(["村", "村", "建制镇镇区"]),
        "户籍地/居住地行政区划代码": "430121",
        "共同生活家庭成员人均月收入": rng.choice([350, 500, 800, 1200, 2500, ""]),
        "家庭财产状况符合当地规定": rng.choice(["是", "否", ""]),
        "持有《中华人民共和国残疾人证》": "否",
        "残疾类别": "",
        "残疾等级": "",
        "需要长期照护": "",
        "有固定生活来源": rng.choice(["是", "否", ""]),
        "劳动能力": rng.choice(["无", "弱", "正常", "劳动能力正常", ""]),
        "有就业创业意愿": rng.choice(["是", "否"]),
        "合法权益遭受侵害": "否",
        "侵害类型": "",
        "有需要法律帮助的事项": "否",
        "法律事项类型": "",
        "有未成年子女": rng.choice(["是", "否"]),
    }
    if rng.random() < 0.2:
        row |= {
            "持有《中华人民共和国残疾人证》": "是",
            "残疾类别": rng.choice(["肢体残疾", "视力", "精神残疾"]),
            "残疾等级": rng.choice(["一级", "二级（重度）", 3, 4]),
            "需要长期照护": rng.choice(["是", "否"]),
        }
    if rng.random() < 0.15:
        row |= {
            "合法权益遭受侵害": "是",
            "侵害类型": rng.choice(["家庭暴力", "遗弃、财产权益受侵害", "拖欠劳动报酬"]),
            "有需要法律帮助的事项": "是",
            "法律事项类型": rng.choice(["请求给付赡养费、抚养费、扶养费", "离婚；其他", "离婚"]),
        }
    return row


def women(count: int, start: int = 1) -> list[Row]:
    """`count` rows, numbered from `start`, the same on every run."""
    return [woman(i) for i in range(start, start + count)]


def write_csv(
    path: Path, rows: Sequence[Row], headers: Sequence[str] = HEADERS, encoding: str = "utf-8-sig"
) -> Path:
    """A CSV as Excel or WPS saves it (UTF-8 with BOM by default; `gb18030` for GBK)."""
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: Sequence[Row], headers: Sequence[str] = HEADERS) -> Path:
    """An XLSX sheet: numbers stay numbers, dates stay dates, empty strings are empty cells."""
    book = Workbook()
    sheet = first_sheet(book)
    sheet.title = "摸排表"
    sheet.append(list(headers))
    for row in rows:
        sheet.append([None if row.get(h, "") == "" else row.get(h) for h in headers])
    book.save(path)
    return path


def main(argv: Sequence[str]) -> int:
    """`python -m tests.survey.sheets COUNT FILE.csv|FILE.xlsx`."""
    if len(argv) != 2 or not argv[0].isdigit():
        print("用法 usage: python -m tests.survey.sheets COUNT FILE.csv|FILE.xlsx", file=sys.stderr)
        return 2
    path, rows = Path(argv[1]), women(int(argv[0]))
    (write_xlsx if path.suffix == ".xlsx" else write_csv)(path, rows)
    print(f"{path}: {len(rows):,} 行 rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
