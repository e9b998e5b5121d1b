"""A filtered list of cases as a sheet for Excel or WPS (XLSX and CSV): Chinese headers, one
column per code with its status, masked identity, and every text cell formula-safe (a cell
that would start with = + - @ or a control character is prefixed with ')."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from engine import Policy
from engine.vocabulary import HARDSHIP_GROUP, LEFT_BEHIND
from ledger.identity import mask_name
from ledger.models import Case, CaseClassification, CaseCode, Referral
from ledger.referrals import STATUS_ZH as REFERRAL_ZH

BATCH = 500
STATUS_ZH = {
    "urgent": "紧急",
    "choose_higher": "择高申领",
    "eligible": "符合条件",
    "refer_for_assessment": "转介评估",
    "obligation": "部门职责",
    "info": "告知",
    "needs_info": "需补充信息",
}
FIXED = [
    "个案号",
    "行政区划代码",
    "村（社区）",
    "姓名（脱敏）",
    "身份证号后四位",
    "个案状态",
    "农村留守妇女",
    "困难群体",
    "下次复核日期",
    "转介部门及状态",
]
_TRI = {True: "是", False: "否", None: "未知"}
# OWASP (CSV injection): a cell starting with = + - @, a tab or a line break is a formula to
# Excel or WPS; their full-width forms too (an IME may have typed them; WPS reads them).
_RISKY = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe(text: str) -> str:
    """A cell no spreadsheet will read as a formula (prefixed with ', the OWASP rule)."""
    return "'" + text if text.startswith(_RISKY) else text


def headers(policy: Policy) -> list[str]:
    """The header row: the fixed columns, then one per code (its Chinese name)."""
    return FIXED + [f"{c.zh}（{code}）" for code, c in policy.catalog.codes.items()]


@dataclass(frozen=True)
class Batch:
    """Up to BATCH cases with what a sheet shows of them, each read in one query."""

    cases: Sequence[Case]
    classifications: dict[str, dict[str, bool | None]]  # case id → name → value
    codes: dict[str, dict[str, str]]  # case id → code → status
    referrals: dict[str, list[str]]  # case id → "部门：状态", in Chinese


def batches(
    session: Session,
    policy: Policy,
    query: SelectOfScalar[Case],
    on_batch: Callable[[list[str]], None] | None = None,
) -> Iterator[Batch]:
    """The cases of `query` in batches, so a large ledger is never all in memory; `on_batch`
    hears each batch's case ids before its rows are given out (the audit of who saw whom)."""
    ordered = query.order_by(col(Case.created_at), col(Case.id))
    offset = 0
    while True:
        cases = session.exec(ordered.offset(offset).limit(BATCH)).all()
        if not cases:
            return
        ids = [c.id for c in cases]
        if on_batch is not None:
            on_batch(ids)
        classes: dict[str, dict[str, bool | None]] = {}
        for cc in session.exec(
            select(CaseClassification).where(col(CaseClassification.case_id).in_(ids))
        ):
            classes.setdefault(cc.case_id, {})[cc.name] = cc.value
        statuses: dict[str, dict[str, str]] = {}
        for item in session.exec(select(CaseCode).where(col(CaseCode.case_id).in_(ids))):
            statuses.setdefault(item.case_id, {})[item.code] = item.status
        referrals: dict[str, list[str]] = {}
        for ref in session.exec(select(Referral).where(col(Referral.case_id).in_(ids))):
            dept = policy.catalog.departments.get(ref.department)
            referrals.setdefault(ref.case_id, []).append(
                f"{dept.zh if dept else ref.department}：{REFERRAL_ZH.get(ref.status, ref.status)}"
            )
        yield Batch(cases, classes, statuses, referrals)
        offset += BATCH


def sheet_rows(
    session: Session,
    policy: Policy,
    query: SelectOfScalar[Case],
    on_batch: Callable[[list[str]], None] | None = None,
) -> Iterator[list[str]]:
    """One row per case of `query`: the fixed columns, then one per code."""
    codes = list(policy.catalog.codes)
    for batch in batches(session, policy, query, on_batch):
        for case in batch.cases:
            cls, mine = batch.classifications.get(case.id, {}), batch.codes.get(case.id, {})
            row = [
                case.number or case.id,
                case.region_code or "",
                case.village,
                mask_name(case.name) or "",
                case.id_last4 or "",
                "已关闭" if case.status == "closed" else "在册",
                _TRI[cls.get(LEFT_BEHIND)],
                _TRI[cls.get(HARDSHIP_GROUP)],
                case.next_review_due.isoformat() if case.next_review_due else "",
                "；".join(batch.referrals.get(case.id, [])),
            ]
            row += [STATUS_ZH.get(mine[c], mine[c]) if c in mine else "" for c in codes]
            yield [safe(v) for v in row]


def as_csv(header: list[str], rows: Iterator[list[str]]) -> Iterator[bytes]:
    """UTF-8 CSV with the byte-order mark Excel and WPS need, chunk by chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue().encode("utf-8")


def as_xlsx(header: list[str], rows: Iterator[list[str]]) -> bytes:
    """An XLSX workbook (one sheet, 台账); every cell is text, never a formula."""
    from openpyxl import Workbook  # only when a sheet is asked for: it is slow to import
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = (
            20 if index == 1 else max(10, min(24, len(title) * 2))
        )
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
