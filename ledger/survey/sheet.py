"""Reading a survey file (CSV in UTF-8 or GB18030, or XLSX) and mapping its headers."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.catalog import FactDef

Outcome = Literal["imported", "existing", "failed", "blank"]

# Columns that are not facts: the target name, then the headers that mean it.
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
LIST_SEP = re.compile(r"[、,;\r\n]")  # after NFKC: ，→, ；→;
WHOLE_ROW = "（整行）"


class SurveyError(Exception):
    """The file cannot be imported at all (exit 2): nothing was stored."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(en)


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
    return _sheet(path, encoding, _csv_records(text, delimiter))


def _csv_records(text: str, delimiter: str) -> list[list[str]]:
    """The records of a CSV text; a quote left open (which would swallow every row after it)
    is an error naming the row where it was opened."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        row = len(records) + 1
        raise SurveyError(
            f"第 {row} 行的引号没有闭合（或引号后多了字符），请检查该行后重新导入",
            f"row {row}: a quote is not closed (or text follows a closing quote): {exc}",
        ) from exc
    return records


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
    """Read-only (streamed: half the time of a full load); the merged ranges, which that
    mode does not read, are taken from the worksheet's XML."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
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
        ws: Any = book[sheet] if sheet is not None else book.worksheets[0]
        ws.reset_dimensions()  # the file's own record of its size may be wrong
        records = [list(row) for row in ws.iter_rows(values_only=True)]
        width = max(map(len, records), default=0)
        for merged in _merged_ranges(path, ws._worksheet_path):  # a merged 村 cell holds
            min_col, min_row, max_col, max_row = merged  # for every row it spans
            records += [[] for _ in range(max_row - len(records))]
            width = max(width, max_col)
            for record in records[min_row - 1 : max_row]:
                record += [None] * (max_col - len(record))
            value = records[min_row - 1][min_col - 1]
            for r in range(min_row - 1, max_row):
                records[r][min_col - 1 : max_col] = [value] * (max_col - min_col + 1)
        for record in records:  # as a full load gives them: every row as wide as the sheet
            record += [None] * (width - len(record))
        return _sheet(path, f"工作表 / worksheet “{ws.title}”", records)
    finally:
        book.close()


_MERGED = re.compile(rb"<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref=[\"']([A-Z0-9:$]+)[\"']", re.I)


def _merged_ranges(path: Path, part: str) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range of a worksheet."""
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(path) as archive:
        xml = archive.read(part)
    found = [range_boundaries(ref.decode()) for ref in _MERGED.findall(xml)]
    return [(a, b, c, d) for a, b, c, d in found if None not in (a, b, c, d)]  # type: ignore[misc]


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet(path: Path, source: str, records: list[list[Any]]) -> Sheet:
    numbered = [(i + 1, r) for i, r in enumerate(records) if not all(is_empty(v) for v in r)]
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


# -- spellings of values ---------------------------------------------------------------
def cell_text(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).casefold()


def list_key(text: str) -> str:
    return LIST_SEP.sub("、", text)


def _value_index(fdef: FactDef) -> dict[str, str]:
    """Accepted spellings of each allowed value: the value, its labels, its label without
    the parenthesised note, the words facts.yaml lists under `also` (乡里), and the short
    names the fact's own label lists (无/弱/正常)."""
    values = fdef.values or {}
    index: dict[str, str | None] = {}

    def add(spelling: str, value: str) -> None:
        key = list_key(_norm(spelling))
        index[key] = value if index.get(key, value) == value else None  # ambiguous: neither

    for value, label in values.items():
        for spelling in (value, label.en, label.zh, _short(_norm(label.zh)), *label.also):
            add(spelling, value)
    note = re.search(r"\(([^()]*)\)$", unicodedata.normalize("NFKC", fdef.zh))
    hints = note.group(1).split("/") if note else []
    if len(hints) == len(values) > 1:
        for hint, value in zip(hints, values, strict=True):
            add(hint, value)
    return {k: v for k, v in index.items() if v is not None}
