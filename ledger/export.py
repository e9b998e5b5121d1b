"""The ledger as a CSV file for Excel or WPS: UTF-8 with BOM, Chinese headers, masked identity,
every cell formula-safe (`safe`, the OWASP rule)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from sqlmodel import Session, col, select

from engine import Policy
from engine.vocabulary import HARDSHIP_GROUP, LEFT_BEHIND
from ledger.case_filters import region_prefix
from ledger.case_sheet import batches, safe
from ledger.identity import mask_name
from ledger.models import Case

HEADERS = [
    "个案编号",
    "行政区划代码",
    "村",
    "姓名（脱敏）",
    "身份证号后四位",
    "个案状态",
    "版本",
    "农村留守妇女",
    "困难群体",
    "下次复核日期",
    "评估结论",
    "转介部门及状态",
]
_TRI = {True: "是", False: "否", None: "未知"}
_STATUS_ZH = {
    "urgent": "紧急",
    "choose_higher": "择高申领",
    "eligible": "符合条件",
    "refer_for_assessment": "转介评估",
    "obligation": "部门职责",
    "info": "告知",
    "needs_info": "需补充信息",
}


def export_rows(
    session: Session,
    policy: Policy,
    region: str | None,
    on_batch: Callable[[list[str]], None] | None = None,
) -> Iterator[list[str]]:
    """One row per case, in batches so a large ledger is never all in memory; `on_batch` is
    told each batch's case ids before its rows are given out (the audit)."""
    query = select(Case)
    if region:
        query = query.where(col(Case.region_code).startswith(region_prefix(region)))
    for batch in batches(session, policy, query, on_batch):
        for case in batch.cases:
            cls = batch.classifications.get(case.id, {})
            codes = [
                f"{_code_name(policy, code)}：{_STATUS_ZH.get(status, status)}"
                for code, status in batch.codes.get(case.id, {}).items()
            ]
            yield [
                safe(cell)
                for cell in [
                    case.id,
                    case.region_code or "",
                    case.village,
                    mask_name(case.name) or "",
                    case.id_last4 or "",
                    "已关闭" if case.status == "closed" else "在册",
                    str(case.version),
                    _TRI[cls.get(LEFT_BEHIND)],
                    _TRI[cls.get(HARDSHIP_GROUP)],
                    case.next_review_due.isoformat() if case.next_review_due else "",
                    "；".join(codes),
                    "；".join(batch.referrals.get(case.id, [])),
                ]
            ]


def _code_name(policy: Policy, code: str) -> str:
    known = policy.catalog.codes.get(code)
    return known.zh if known is not None else code


def export_csv(
    session: Session,
    policy: Policy,
    region: str | None,
    on_batch: Callable[[list[str]], None] | None = None,
) -> Iterator[bytes]:
    """The CSV, chunk by chunk, starting with the UTF-8 byte-order mark Excel needs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # \r\n line ends, as Excel and WPS expect
    writer.writerow(HEADERS)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for row in export_rows(session, policy, region, on_batch):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue().encode("utf-8")
