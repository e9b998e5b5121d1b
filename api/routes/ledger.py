"""The ledger as a whole: the review queue, the summary report, the CSV export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.access import region_filter, require
from api.auth import PrincipalDep
from api.deps import PolicyDep, SessionDep
from api.errors import ledger_responses
from ledger.audit import record, record_shown
from ledger.export import HEADERS, export_csv
from ledger.queries import due_for_review, summary

router = APIRouter(prefix="/v1", tags=["ledger"])
Region = Annotated[
    str | None, Query(pattern=r"^[1-9][0-9]{5}$", description="行政区划代码（作前缀）")
]
On = Annotated[date | None, Query(description="以哪一天计算（默认今天）/ date (default today)")]


@router.get("/ledger/due-for-review", responses=ledger_responses(401, 403, 422))
def review_queue(
    session: SessionDep, principal: PrincipalDep, region: Region = None, on: On = None
) -> dict[str, Any]:
    """到期复核 / Hardship cases whose review is due, with days overdue."""
    require(principal, "caseworker", "admin")
    items = due_for_review(session, on=on or date.today(), region=region_filter(principal, region))
    record_shown(
        session,
        principal,
        "review_queue_read",
        [item["id"] for item in items],
        fields=["identity.name", "identity.id_last4"],
    )
    return {"items": items, "total": len(items)}


@router.get("/reports/summary", responses=ledger_responses(401, 403, 422))
def report(
    session: SessionDep, principal: PrincipalDep, region: Region = None, on: On = None
) -> dict[str, Any]:
    """汇总 / Cases, classifications, codes by status, referrals, overdue reviews."""
    require(principal, "caseworker", "policy", "admin")
    scope = region_filter(principal, region)
    counts = summary(session, on=on or date.today(), region=scope)
    record(session, principal, "summary_read", region=scope)
    return counts


@router.get(
    "/ledger/export.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with BOM"},
        **ledger_responses(401, 403, 422),
    },
)
def export(
    session: SessionDep, policy: PolicyDep, principal: PrincipalDep, region: Region = None
) -> StreamingResponse:
    """导出台账 CSV（姓名脱敏）/ The ledger as CSV for Excel/WPS, identity masked."""
    require(principal, "caseworker", "admin")
    scope = region_filter(principal, region)
    record(session, principal, "ledger_exported", fields=HEADERS, region=scope)

    def shown(case_ids: list[str]) -> None:  # each batch is audited before it is sent
        record_shown(session, principal, "ledger_exported", case_ids, fields=HEADERS, region=scope)

    return StreamingResponse(
        export_csv(session, policy, scope, on_batch=shown),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ledger.csv"'},
    )
