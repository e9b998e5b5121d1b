"""Village survey import (民发〔2025〕7号 三（一）摸底排查): a CSV or XLSX sheet, one woman a row.

Headers are the facts' Chinese labels (policies/catalog/facts.yaml `zh`, with or without the
parenthesised note) or their English names, plus 姓名, 身份证号, 出生日期, 村 (required) and
评估日期. Each row is parsed, then stored by `create_case` in its own transaction: whole or
not at all. A row that fails becomes lines of the error report (行号, 字段, 原因, Reason),
which never repeats a cell's value. Each row carries an idempotency key, a keyed hash of its
normalised content, so importing the same rows again (or a re-saved file) stores nothing new.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.exc import SQLAlchemyError

from api.errors import ConflictError
from api.ledger.cases import create_case
from api.ledger.db import Ledger
from engine import Evaluator, FieldError, ProfileError, RulesRuntimeError
from engine.catalog import FactDef

Outcome = Literal["imported", "existing", "failed", "blank"]

# Columns that are not facts: the target name, then the headers that mean it.
IDENTITY = ("name", "id_number", "birth_date")
OTHER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "birth_date": ("出生日期",),
    "village": ("村", "村名", "所在村"),
    "as_of": ("评估日期",),
    "row_number": ("序号",),  # the clerk's own numbering: read, never stored
}
NOT_A_PERSON = ("village", "as_of", "row_number")
REPORT_HEADER = ("行号", "字段", "原因", "Reason")
_NOTE = re.compile(r"\([^()]*\)$")  # a trailing parenthesised note (after NFKC)
_LIST_SEP = re.compile(r"[、,;\r\n]")  # after NFKC: ，→, ；→;
WHOLE_ROW = "（整行）"
_TRUE = {"是", "有", "√", "✓", "✔", "true", "yes", "y", "1"}
_FALSE = {"否", "无", "×", "✗", "✘", "false", "no", "n", "0"}
_UNITS = ("元/人/月", "元/月", "元", "周岁", "岁", "个月", "月")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class SurveyError(Exception):
    """The file cannot be imported at all (exit 2): nothing was stored."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(en)


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


@dataclass(frozen=True)
class Column:
    """A column of the sheet: its header as written, and what it holds (None: nothing)."""

    index: int
    header: str
    target: str | None
    fact: FactDef | None = None
    choices: Mapping[str, str] = field(default_factory=dict)  # spelling → allowed value

    @property
    def label(self) -> str:
        """How the error report names the column: the header, and the fact's English name."""
        if self.target is None:
            return f"第{self.index + 1}列 (column {self.index + 1})"
        return self.header if self.header == self.target else f"{self.header} ({self.target})"


@dataclass
class Sheet:
    """The rows of a survey file, numbered as a spreadsheet shows them (header = row 1)."""

    path: Path
    source: str  # the encoding of a CSV, or the worksheet of an XLSX
    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    header_row: int = 1


@dataclass
class ImportReport:
    """What an import did so far."""

    rows: int = 0
    imported: int = 0
    existing: int = 0
    failed: int = 0
    blank: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    aborted: str | None = None


# -- reading ------------------------------------------------------------------------------
def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """The header and rows of a CSV (UTF-8, UTF-16 or GB18030) or XLSX file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SurveyError(f"无法读取文件 {path}", f"cannot read {path}: {exc.strerror}") from exc
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, sheet)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SurveyError(
            "不支持旧版 Excel（.xls）或 WPS（.et）格式，请另存为 .xlsx 或 CSV 后再导入",
            "old .xls/.et workbooks are not supported: save as .xlsx or CSV",
        )
    text, encoding = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if any(d in first for d in ",\t;") else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return _sheet(path, encoding, records)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8（带 BOM / with BOM）"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030（GBK，UTF-8 解码失败 / not UTF-8）"
    except UnicodeDecodeError as exc:
        raise SurveyError(
            "无法识别文件编码（既不是 UTF-8 也不是 GB18030/GBK），请另存为“CSV UTF-8”",
            "unknown text encoding (neither UTF-8 nor GB18030/GBK): save as CSV UTF-8",
        ) from exc


def _read_xlsx(path: Path, sheet: str | None) -> Sheet:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(path, data_only=True)  # not read-only: merged cells are needed
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SurveyError(
            "无法打开 XLSX 文件（文件可能已损坏）", f"cannot open the XLSX file: {exc}"
        ) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise SurveyError(
                f"没有名为“{sheet}”的工作表（有：{'、'.join(book.sheetnames)}）",
                f"no worksheet {sheet!r} (there are: {', '.join(book.sheetnames)})",
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        records = [list(row) for row in ws.iter_rows(values_only=True)]
        for merged in ws.merged_cells.ranges:  # a merged 村 cell holds for every row it spans
            value = records[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row - 1, merged.max_row):
                for c in range(merged.min_col - 1, merged.max_col):
                    records[r][c] = value
        return _sheet(path, f"工作表 / worksheet “{ws.title}”", records)
    finally:
        book.close()


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet(path: Path, source: str, records: list[list[Any]]) -> Sheet:
    numbered = [(i + 1, r) for i, r in enumerate(records) if not all(_empty(v) for v in r)]
    if not numbered:
        raise SurveyError("文件是空的，没有表头", "the file is empty: no header row")
    (header_row, header), *rows = numbered
    headers = ["" if v is None else str(v).strip() for v in header]
    while headers and not headers[-1]:
        headers.pop()
    return Sheet(path, source, headers, rows, header_row)


# -- headers ------------------------------------------------------------------------------
def _norm(text: str) -> str:
    """NFKC (full-width → half-width), no whitespace, case-folded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _short(normed: str) -> str:
    return _NOTE.sub("", normed)


def _header_index(facts: Mapping[str, FactDef]) -> dict[str, str | None]:
    """Every accepted header → its target; None marks a short label two facts share."""
    index: dict[str, str | None] = {}
    for target, headers in OTHER_COLUMNS.items():
        for header in (*headers, target):
            index[_norm(header)] = target
    for name, fdef in facts.items():
        index[_norm(name)] = name
        index[_norm(fdef.zh)] = name
    shorts: dict[str, set[str]] = {}
    for name, fdef in facts.items():
        shorts.setdefault(_short(_norm(fdef.zh)), set()).add(name)
    for short, names in shorts.items():
        if short not in index:  # a full label or name always wins over a short one
            index[short] = next(iter(names)) if len(names) == 1 else None
    return index


def map_columns(
    headers: list[str], facts: Mapping[str, FactDef], header_row: int = 1
) -> list[Column]:
    """The sheet's columns, or SurveyError naming every header that is unknown or repeated."""
    index = _header_index(facts)
    columns: list[Column] = []
    unknown: list[str] = []
    for i, header in enumerate(headers):
        if not header:
            columns.append(Column(i, "", None))
            continue
        key = _norm(header)
        target = index.get(key) if key in index else index.get(_short(key))
        if target is None:
            if header not in unknown:
                unknown.append(header)
            continue
        fact = facts.get(target)
        choices = _value_index(fact) if fact is not None and fact.values else {}
        columns.append(Column(i, header, target, fact, choices))
    if unknown:
        zh = "、".join(f"“{h}”" for h in unknown)
        en = ", ".join(repr(h) for h in unknown)
        raise SurveyError(
            f"无法识别的表头：{zh}（第{header_row}行）。表头应为事实的中文名称（见 "
            "policies/catalog/facts.yaml）或英文名，以及 姓名、身份证号、出生日期、村、评估日期",
            f"unknown header(s): {en} (row {header_row}). Headers are the facts' Chinese labels"
            " (policies/catalog/facts.yaml) or English names, and 姓名, 身份证号, 出生日期, 村,"
            " 评估日期",
        )
    seen = Counter(c.target for c in columns if c.target)
    repeated = [c.header for c in columns if c.target and seen[c.target] > 1]
    if repeated:
        raise SurveyError(
            "同一项出现在多个列：" + "、".join(f"“{h}”" for h in repeated),
            "the same field in several columns: " + ", ".join(repr(h) for h in repeated),
        )
    if "village" not in seen:
        raise SurveyError("缺少必需的“村”列", "the required column 村 (village) is missing")
    return columns


# -- cells --------------------------------------------------------------------------------
def _text(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).casefold()


def _list_key(text: str) -> str:
    return _LIST_SEP.sub("、", text)


def _value_index(fdef: FactDef) -> dict[str, str]:
    """Accepted spellings of each allowed value: the value, its labels, its label without
    the parenthesised note, and the short names the fact's own label lists (无/弱/正常)."""
    values = fdef.values or {}
    index: dict[str, str | None] = {}

    def add(spelling: str, value: str) -> None:
        key = _list_key(_norm(spelling))
        index[key] = value if index.get(key, value) == value else None  # ambiguous: neither

    for value, label in values.items():
        for spelling in (value, label.en, label.zh, _short(_norm(label.zh))):
            add(spelling, value)
    note = re.search(r"\(([^()]*)\)$", unicodedata.normalize("NFKC", fdef.zh))
    hints = note.group(1).split("/") if note else []
    if len(hints) == len(values) > 1:
        for hint, value in zip(hints, values, strict=True):
            add(hint, value)
    return {k: v for k, v in index.items() if v is not None}


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
        text = _text(value)
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
    text = "" if isinstance(value, bool | float) else _text(value)
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
    if _empty(value):
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
        text = ("true" if value else "false") if isinstance(value, bool) else _text(value)
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
        key = _list_key(_text(value))
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
    items = [_text(item) for item in _LIST_SEP.split(unicodedata.normalize("NFKC", str(value)))]
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
            if not _empty(value):
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
    return row


def row_key(secret: str, content: str, occurrence: int) -> str:
    """The idempotency key: a keyed hash (identity is inside) of the row's content and of
    which occurrence of that content in the file it is (two anonymous twins stay two)."""
    message = f"guanai-survey-v1\n{content}\n#{occurrence}".encode()
    return "survey:" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# -- importing ----------------------------------------------------------------------------
def import_rows(
    ledger: Ledger,
    evaluator: Evaluator,
    columns: list[Column],
    rows: Iterable[tuple[int, list[Any]]],
    report: ImportReport,
    *,
    as_of: date,
    actor: str,
    on_row: Callable[[Outcome], None] | None = None,
) -> ImportReport:
    """Store each row in its own transaction; `report` is kept up to date as rows go by."""
    labels = {c.target: c.label for c in columns if c.target}
    occurrences: Counter[str] = Counter()
    for number, cells in rows:
        row = parse_row(columns, number, cells)
        if row.blank:
            report.blank += 1
            outcome: Outcome = "blank"
        else:
            report.rows += 1
            content = row.content()
            occurrences[content] += 1
            key = row_key(ledger.secret, content, occurrences[content])
            outcome = _store(ledger, evaluator, row, key, labels, report, as_of, actor)
        if on_row:
            on_row(outcome)
        if report.aborted:
            break
    return report


def _store(
    ledger: Ledger,
    evaluator: Evaluator,
    row: Row,
    key: str,
    labels: Mapping[str, str],
    report: ImportReport,
    as_of: date,
    actor: str,
) -> Outcome:
    """One row in one transaction: stored whole, found already stored, or not stored."""

    def problems(errors: Iterable[FieldError]) -> list[RowProblem]:
        return [
            RowProblem(row.number, labels.get(e.field.split(".")[0], e.field), e.zh, e.en)
            for e in errors
        ]

    if row.problems or row.village is None:  # say everything wrong with the row at once
        try:
            Evaluator.validate(row.profile)
        except ProfileError as exc:
            return _failed(report, [*row.problems, *problems(exc.errors)])
        return _failed(report, row.problems)
    with ledger.session() as session:
        try:
            outcome = create_case(
                session,
                evaluator,
                profile=row.profile,
                village=row.village,
                as_of=row.as_of or as_of,
                actor=actor,
                secret=ledger.secret,
                idempotency_key=key,
            )
        except ProfileError as exc:
            session.rollback()
            return _failed(report, problems(exc.errors))
        except ConflictError as exc:
            session.rollback()
            case = exc.detail.get("case_id", "") if isinstance(exc.detail, dict) else ""
            zh = f"该身份证号在台账中已有个案（{case}），未重复建档；如有变化请更新该个案"
            en = f"a case with this ID number exists ({case}); not created again"
            return _failed(report, [RowProblem(row.number, labels["id_number"], zh, en)])
        except RulesRuntimeError:
            session.rollback()
            zh = "规则引擎内部错误，本行未保存（不是本行数据的问题，请报告）"
            en = "internal error of the rules engine; row not stored (please report it)"
            return _failed(report, [RowProblem(row.number, WHOLE_ROW, zh, en)])
        except SQLAlchemyError as exc:
            session.rollback()
            report.aborted = type(exc).__name__
            zh, en = (
                "数据库错误，本行未保存，导入中止",
                "database error; row not stored, import stopped",
            )
            return _failed(report, [RowProblem(row.number, WHOLE_ROW, zh, en)])
        except BaseException:
            session.rollback()
            raise
    if outcome.replayed:
        report.existing += 1
        return "existing"
    report.imported += 1
    return "imported"


def _failed(report: ImportReport, problems: list[RowProblem]) -> Outcome:
    report.failed += 1
    report.problems += problems
    return "failed"


# -- the error report ---------------------------------------------------------------------
def default_report_path(path: Path) -> Path:
    """村摸排表.xlsx → 村摸排表-导入错误.csv, next to it."""
    return path.with_name(f"{path.stem}-导入错误.csv")


def write_report(path: Path, problems: list[RowProblem]) -> None:
    """The error report: CSV in UTF-8 with a BOM (Excel and WPS open it as Chinese)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REPORT_HEADER)
        for p in sorted(problems, key=lambda p: p.row):
            writer.writerow((p.row, p.field, p.zh, p.en))
