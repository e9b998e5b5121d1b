"""/app/cases — the ledger: filters, search, pages, and the export of the current filter as
XLSX or CSV. The list is GET /v1/cases's own function (region, role and audit included)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from api.access import region_filter
from api.deps import PolicyDep, SessionDep
from api.routes.cases import cases as list_cases_route
from api.views import CaseStatus, ReferralStatus
from api.web.auth import PageDep
from api.web.templating import render
from engine.vocabulary import HARDSHIP_GROUP
from ledger.audit import record, record_shown
from ledger.case_filters import filtered_cases
from ledger.case_numbers import BEIJING
from ledger.case_sheet import as_csv, as_xlsx, headers, sheet_rows
from ledger.referrals import STATUSES

router = APIRouter(prefix="/app/cases", include_in_schema=False)
PAGE_SIZE = 25
HARDSHIP = (
    HARDSHIP_GROUP,
    "hardship_low_income",
    "hardship_serious_illness",
    "hardship_disability",
    "hardship_rights_infringed",
)


class Filters(BaseModel):
    """The list's filters, as query parameters (the same names as GET /v1/cases)."""

    village: str = Field("", max_length=100)
    classification: str = Field("", max_length=64)
    code: str = Field("", max_length=64)
    referral_status: str = Field("", pattern=f"^({'|'.join(STATUSES)})?$")
    review: str = Field("", pattern="^(due|overdue)?$")
    status: str = Field("", pattern="^(open|closed)?$")
    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=100000)

    def query(self, **change: Any) -> str:
        """The query string of these filters (with some changed), without empty ones."""
        values = {**self.model_dump(), **change}
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})


FiltersDep = Annotated[Filters, Depends()]


def _disposition(ext: str) -> str:
    """A download named 台账.<ext> (ASCII fallback ledger.<ext>)."""
    return f"attachment; filename=\"ledger.{ext}\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6.{ext}"


def _choices(policy: Any) -> dict[str, Any]:
    cat = policy.catalog
    return {
        "hardship": [(n, cat.classifications[n].zh) for n in HARDSHIP if n in cat.classifications],
        "codes": [(code, c.zh) for code, c in cat.codes.items()],
        "referral_statuses": STATUSES,
    }


@router.get("")
def case_list(
    page: PageDep, session: SessionDep, policy: PolicyDep, filters: FiltersDep
) -> HTMLResponse:
    """台账：筛选、搜索、分页."""
    page.require("caseworker", "admin")
    listed = list_cases_route(
        session,
        page.principal,
        classification=filters.classification or None,
        code=filters.code or None,
        review_due=filters.review == "due",
        review_overdue=filters.review == "overdue",
        status=cast(CaseStatus | None, filters.status or None),
        village=filters.village or None,
        referral_status=cast(ReferralStatus | None, filters.referral_status or None),
        q=filters.q or None,
        page=filters.page,
        page_size=PAGE_SIZE,
    )
    pages = max(1, -(-listed["total"] // PAGE_SIZE))
    return render(
        page.request,
        "cases.html",
        title="台账",
        listed=listed,
        filters=filters,
        pages=pages,
        today=datetime.now(BEIJING).date().isoformat(),
        **_choices(policy),
    )


def _export(
    page: PageDep, session: SessionDep, policy: PolicyDep, filters: Filters, kind: str
) -> Any:
    page.require("caseworker", "admin")
    today = date.today()
    query = filtered_cases(
        region=region_filter(page.principal, None),
        classification=filters.classification or None,
        code=filters.code or None,
        review_due_on=today if filters.review == "due" else None,
        review_overdue_on=today if filters.review == "overdue" else None,
        status=cast(CaseStatus | None, filters.status or None),
        village=filters.village or None,
        referral_status=cast(ReferralStatus | None, filters.referral_status or None),
        search=filters.q or None,
    )
    header = headers(policy)
    chosen = {k: v for k, v in filters.model_dump().items() if v and k != "page"}
    record(session, page.principal, "ledger_exported", fields=header, format=kind, filters=chosen)

    def shown(case_ids: list[str]) -> None:  # every woman in the file, findable by case_id
        record_shown(
            session, page.principal, "ledger_exported", case_ids, fields=header, format=kind
        )

    return header, sheet_rows(session, policy, query, on_batch=shown)


@router.get("/export.xlsx")
def export_xlsx(
    page: PageDep, session: SessionDep, policy: PolicyDep, filters: FiltersDep
) -> Response:
    """当前筛选导出为 XLSX（姓名脱敏）."""
    header, rows = _export(page, session, policy, filters, "xlsx")
    return Response(
        as_xlsx(header, rows),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": _disposition("xlsx")},
    )


@router.get("/export.csv")
def export_csv(
    page: PageDep, session: SessionDep, policy: PolicyDep, filters: FiltersDep
) -> StreamingResponse:
    """当前筛选导出为 CSV（姓名脱敏）."""
    header, rows = _export(page, session, policy, filters, "csv")
    return StreamingResponse(
        as_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _disposition("csv")},
    )
