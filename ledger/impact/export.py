"""The impact report as a file: XLSX (sheets with Chinese headers), CSV (UTF-8 with BOM, one
row per changed case) or JSON. Case numbers only, never identity."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from engine.catalog import Catalog
from ledger.export import _STATUS_ZH
from ledger.impact.report import ImpactReport

CASE_HEADERS = [
    "个案编号",
    "行政区划代码",
    "村",
    "新增符合的项目",
    "不再符合的项目",
    "变为需补充信息",
    "不再需补充信息",
    "将新开转介的部门",
    "将标为不再需要的转介",
    "结论变化",
]
CODE_HEADERS = [
    "代码",
    "名称",
    "新增符合（个案数）",
    "不再符合",
    "变为需补充信息",
    "不再需补充信息",
]
DEPT_HEADERS = ["部门", "将新开转介", "将标为不再需要"]
PLACE_HEADERS = ["行政区划代码", "村", "受影响个案数"]
SUMMARY_HEADERS = ["项目", "值"]


def _zh(names: Mapping[str, str], keys: tuple[str, ...] | list[str]) -> str:
    return "、".join(names.get(k, k) for k in keys)


def _status(status: str | None) -> str:
    return _STATUS_ZH.get(status or "", "未列出")


def summary_rows(report: ImpactReport) -> list[list[str]]:
    """The headline figures, as rows of text."""
    return [
        ["当前政策版本", report.base_version],
        ["草案政策版本", report.draft_version],
        ["评估日期", report.as_of],
        ["地区", report.region or "全部"],
        ["在办个案", str(report.cases)],
        ["结果变化的个案", str(report.changed)],
        ["受影响的判断均未变、无需完整重算的个案", str(report.skipped)],
        ["画像无法校验的个案", str(report.errors)],
        ["用时（秒）", f"{report.seconds:.1f}"],
    ]


def case_rows(report: ImpactReport, catalog: Catalog) -> Iterator[list[str]]:
    """One row per changed case."""
    codes = {k: v.zh for k, v in catalog.codes.items()}
    depts = {k: v.zh for k, v in catalog.departments.items()}
    for c in report.changes:
        moves = "；".join(
            f"{codes.get(code, code)}：{_status(b)}→{_status(a)}"
            for code, (b, a) in c.status.items()
        )
        yield [
            c.case,
            c.region or "",
            c.village,
            _zh(codes, c.gained),
            _zh(codes, c.lost),
            _zh(codes, c.to_needs_info),
            _zh(codes, c.from_needs_info),
            _zh(depts, c.opened),
            _zh(depts, c.closed),
            moves,
        ]


def code_rows(report: ImpactReport, catalog: Catalog) -> list[list[object]]:
    """Per code: how many cases gain, lose, become or stop being needs_info."""
    order = list(catalog.codes)
    return [
        [code, catalog.codes[code].zh if code in catalog.codes else code,
         n.gained, n.lost, n.to_needs_info, n.from_needs_info]
        for code, n in sorted(
            report.codes.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 999
        )
    ]  # fmt: skip


def department_rows(report: ImpactReport, catalog: Catalog) -> list[list[object]]:
    """Per department: referrals that would open and that would no longer be indicated."""
    names = {k: v.zh for k, v in catalog.departments.items()}
    depts = dict.fromkeys([*report.opened, *report.closed])
    return [[names.get(d, d), report.opened[d], report.closed[d]] for d in depts]


def place_rows(report: ImpactReport) -> list[list[object]]:
    """Per region and village: how many cases change."""
    return [[region, village, n] for (region, village), n in report.places.most_common()]


def write_report(report: ImpactReport, catalog: Catalog, path: Path) -> None:
    """Write `.xlsx`, `.csv` or `.json` by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2), "utf-8")
    elif suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(CASE_HEADERS)
            writer.writerows(case_rows(report, catalog))
    elif suffix == ".xlsx":
        _write_xlsx(report, catalog, path)
    else:
        raise ValueError(f"unsupported suffix {suffix!r} (.xlsx, .csv or .json)")


def _write_xlsx(report: ImpactReport, catalog: Catalog, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheets: list[tuple[str, list[str], object]] = [
        ("概况", SUMMARY_HEADERS, summary_rows(report)),
        ("按项目", CODE_HEADERS, code_rows(report, catalog)),
        ("按部门", DEPT_HEADERS, department_rows(report, catalog)),
        ("按地区和村", PLACE_HEADERS, place_rows(report)),
        ("变化的个案", CASE_HEADERS, case_rows(report, catalog)),
    ]
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:  # type: ignore[attr-defined]
            sheet.append(row)
    book.save(path)
