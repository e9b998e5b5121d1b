"""The ledger as a whole: the review queue, the summary report, the CSV export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from api.access import allow, region_filter
from api.bodies import REGION_PATTERN
from api.deps import PolicyDep, SessionDep, SettingsDep
from api.strict import StrictRoute
from api.text import IsoDate
from api.views import ReviewQueue, SummaryOut
from ledger.audit import record, record_shown
from ledger.export import HEADERS, export_csv
from ledger.principal import Principal
from ledger.queries import due_for_review, summary

router = APIRouter(prefix="/v1", tags=["ledger"], route_class=StrictRoute)
Region = Annotated[str | None, Query(pattern=REGION_PATTERN, description="行政区划代码（作前缀）")]
On = Annotated[IsoDate | None, Query(description="以哪一天计算（默认今天）/ date (default today)")]
Caseworker = Annotated[Principal, Depends(allow("caseworker", "admin"))]
Counter = Annotated[Principal, Depends(allow("caseworker", "policy", "admin"))]


@router.get("/ledger/due-for-review", response_model=ReviewQueue)
def review_queue(
    session: SessionDep, principal: Caseworker, region: Region = None, on: On = None
) -> dict[str, Any]:
    """到期复核（困难群体个案及逾期天数）/ Hardship cases whose review is due."""
    items = due_for_review(session, on=on or date.today(), region=region_filter(principal, region))
    record_shown(
        session,
        principal,
        "review_queue_read",
        [item["id"] for item in items],
        fields=["identity.name", "identity.id_last4"],
    )
    return {"items": items, "total": len(items)}


@router.get("/reports/summary", response_model=SummaryOut)
def report(
    session: SessionDep,
    settings: SettingsDep,
    principal: Counter,
    region: Region = None,
    on: On = None,
) -> dict[str, Any]:
    """汇总（个案、分类、事项、转介、逾期复核；政策角色看不到小于阈值的数）/ Counts of a region."""
    scope = region_filter(principal, region)
    counts = summary(session, on=on or date.today(), region=scope)
    record(session, principal, "summary_read", region=scope)
    if principal.role in SEES_CASES:
        return {**counts, "suppressed_below": None}
    return suppressed(counts, settings.small_count_threshold)


SEES_CASES = ("caseworker", "admin")  # the roles that may read the cases behind a count


def suppressed(counts: dict[str, Any], below: int) -> dict[str, Any]:
    """The summary with every count from 1 to `below` - 1 shown as null: a small cell
    singles a woman out to someone who may not see her case. Zero stays (it names nobody)."""

    def cell(value: Any) -> Any:
        return None if isinstance(value, int) and 0 < value < below else value

    def table(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {name: {k: cell(v) for k, v in row.items()} for name, row in rows.items()}

    return {
        **counts,
        "cases": {k: cell(v) for k, v in counts["cases"].items()},
        "classifications": table(counts["classifications"]),
        "codes": table(counts["codes"]),
        "referrals": table(counts["referrals"]),
        "overdue_reviews": cell(counts["overdue_reviews"]),
        "suppressed_below": below,
    }


@router.get(
    "/ledger/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with BOM"}},
)
def export(
    session: SessionDep, policy: PolicyDep, principal: Caseworker, region: Region = None
) -> StreamingResponse:
    """导出台账 CSV（姓名脱敏，Excel/WPS 可直接打开）/ The ledger as CSV, identity masked."""
    scope = region_filter(principal, region)
    record(session, principal, "ledger_exported", fields=HEADERS, region=scope)

    def shown(case_ids: list[str]) -> None:  # each batch is audited before it is sent
        record_shown(session, principal, "ledger_exported", case_ids, fields=HEADERS, region=scope)

    return StreamingResponse(
        export_csv(session, policy, scope, on_batch=shown),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ledger.csv"'},
    )
