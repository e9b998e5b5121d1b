"""Reading one cell, and one row, of a survey as a clerk wrote it."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.catalog import FactDef
from ledger.survey.sheet import LIST_SEP, NOT_A_PERSON, Column, cell_text, is_empty, list_key

_TRUE = {"是", "有", "√", "✓", "✔", "true", "yes", "y", "1"}
_FALSE = {"否", "无", "×", "✗", "✘", "false", "no", "n", "0"}
_UNITS = ("元/人/月", "元/月", "元", "周岁", "岁", "个月", "月")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class CellError(Exception):
    """One cell cannot be read; the reason never quotes the cell."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(en)


@dataclass(frozen=True)
class RowProblem:
    """One line of the error report."""

    row: int
    field: str
    zh: str
    en: str


# -- cells --------------------------------------------------------------------------------
def _not_allowed(fdef: FactDef, item: str = "") -> CellError:
    allowed = "、".join(label.zh for label in (fdef.values or {}).values())
    return CellError(
        f"{item}取值不在可选范围内，可选：{allowed}",
        f"{item and 'an item '}not one of the allowed values",
    )


def _number(value: Any, zh: str, en: str) -> float:
    if isinstance(value, bool):
        raise CellError(f"应为{zh}", f"must be {en}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = cell_text(value)
        for unit in _UNITS:
            text = text.removesuffix(unit)
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):  # 1,200.50
            text = text.replace(",", "")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise CellError(f"应为{zh}", f"must be {en}")
        number = float(text)
    if not math.isfinite(number):
        raise CellError(f"应为{zh}", f"must be {en}")
    return number


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellError("应为日期（不含时间）", "must be a date without a time")
        return value.date()
    if isinstance(value, date):
        return value
    text = "" if isinstance(value, bool | float) else cell_text(value)
    if re.fullmatch(r"\d{8}", text):  # 19800315
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.fullmatch(text)
    if match is None:
        raise CellError("应为日期，如 1980-03-15 或 1980年3月15日", "must be a date: 1980-03-15")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise CellError("不是真实存在的日期", "not a real date") from exc


def parse_cell(column: Column, value: Any) -> Any:
    """A cell as a profile value; None when empty (unknown). CellError when unclear."""
    if is_empty(value):
        return None
    target = column.target
    if target in ("birth_date", "as_of"):
        return _date(value)
    if isinstance(value, datetime | date):
        raise CellError(
            "表格把这个单元格存成了日期，请改为文本或数字",
            "the spreadsheet turned this into a date",
        )
    if target == "id_number":
        text = "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()
        if not isinstance(value, str) or "E+" in text:
            raise CellError(
                "身份证号被存成了数字，末几位可能已丢失：请把该列设为文本格式后重新填写",
                "the ID number was stored as a number (digits lost): format the column as text",
            )
        return text
    if target in ("name", "village", "row_number"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = " ".join(str(value).split())
        if target == "village" and len(text) > 100:
            raise CellError("村名过长（最多100字）", "the village name is over 100 characters")
        return text
    if column.fact is None:  # pragma: no cover - every other target is a fact
        raise CellError("无法识别的列", "unknown column")
    return _fact_value(column, column.fact, value)


def _fact_value(column: Column, fdef: FactDef, value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if fdef.type == "boolean":
        text = ("true" if value else "false") if isinstance(value, bool) else cell_text(value)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellError(
            "应为“是”或“否”（不清楚请留空）", "must be 是 or 否 (leave empty if unknown)"
        )
    if isinstance(value, bool):
        raise CellError("这一项不是“是/否”", "not a yes/no field")
    if fdef.type == "list":
        return _items(column, fdef, value)
    if column.choices:  # an enum, or an integer with labelled values (残疾等级)
        key = list_key(cell_text(value))
        if key not in column.choices:
            raise _not_allowed(fdef)
        choice = column.choices[key]
        return int(choice) if fdef.type == "integer" else choice
    if fdef.type == "integer":
        number = _number(value, "整数", "a whole number")
        if not number.is_integer():
            raise CellError("应为整数", "must be a whole number")
        return int(number)
    if fdef.type == "number":
        number = _number(value, "数字", "a number")
        return int(number) if number.is_integer() else number
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def _items(column: Column, fdef: FactDef, value: Any) -> list[str]:
    """A list cell: items separated by 、，,；; or line breaks. Some labels contain 、
    themselves (请求给付赡养费、抚养费、扶养费), so the longest known run of items wins."""
    items = [cell_text(item) for item in LIST_SEP.split(unicodedata.normalize("NFKC", str(value)))]
    chosen: list[str] = []
    i, position = 0, 0
    while i < len(items):
        if not items[i]:
            i += 1
            continue
        position += 1
        for j in range(len(items), i, -1):
            key = "、".join(items[i:j])
            if key in column.choices:
                if column.choices[key] not in chosen:
                    chosen.append(column.choices[key])
                i = j
                break
        else:
            raise _not_allowed(fdef, f"第{position}项")
    return chosen


# -- rows ---------------------------------------------------------------------------------
@dataclass
class Row:
    """One parsed row: the profile, where and when, and what could not be read."""

    number: int
    profile: dict[str, Any] = field(default_factory=dict)
    village: str | None = None
    as_of: date | None = None
    problems: list[RowProblem] = field(default_factory=list)
    blank: bool = True

    def content(self) -> str:
        """The row's normalised content: column order and spellings do not change it."""
        profile = {k: sorted(v) if isinstance(v, list) else v for k, v in self.profile.items()}
        return json.dumps(
            {"profile": profile, "village": self.village, "as_of": self.as_of},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )


def parse_row(columns: list[Column], number: int, cells: list[Any]) -> Row:
    """Read every cell of a row; problems are collected, not raised."""
    row = Row(number)
    for i, value in enumerate(cells):
        column = columns[i] if i < len(columns) else Column(i, "", None)
        if column.target is None:
            if not is_empty(value):
                row.blank = False
                row.problems.append(
                    RowProblem(number, column.label, "这一列没有表头", "the column has no header")
                )
            continue
        try:
            parsed = parse_cell(column, value)
        except CellError as exc:
            row.blank = False
            row.problems.append(RowProblem(number, column.label, exc.zh, exc.en))
            continue
        if parsed is None:
            continue
        if column.target not in NOT_A_PERSON:
            row.blank = False
        if column.target == "village":
            row.village = parsed
        elif column.target == "as_of":
            row.as_of = parsed
        elif column.target != "row_number":
            row.profile[column.target] = parsed
    village = next(c for c in columns if c.target == "village")
    if (
        not row.blank
        and row.village is None
        and all(p.field != village.label for p in row.problems)
    ):
        row.problems.append(
            RowProblem(number, village.label, "村不能为空", "the village must not be empty")
        )
    region = next((c for c in columns if c.target == "region_code"), None)
    if (
        not row.blank
        and "region_code" not in row.profile
        and (region is None or all(p.field != region.label for p in row.problems))
    ):
        row.problems.append(
            RowProblem(
                number,
                region.label if region else "行政区划代码 (region_code)",
                "行政区划代码不能为空（或在导入命令中给出 --region）",
                "the region code is required (or give --region to the import)",
            )
        )
    return row


def row_key(secret: str, content: str, occurrence: int) -> str:
    """The idempotency key: a keyed hash (identity is inside) of the row's content and of
    which occurrence of that content in the file it is (two anonymous twins stay two)."""
    message = f"guanai-survey-v1\n{content}\n#{occurrence}".encode()
    return "survey:" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
