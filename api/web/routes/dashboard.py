"""/app/dashboard — the region's numbers as charts, each with its table beneath: women by
hardship group, referrals by department and status, overdue reviews and referrals, and all of
these by region code and village. The totals are GET /v1/reports/summary's own function; for
a role that may not see cases (policy) every count under the small-count threshold is
suppressed. Charts are drawn by static/js/charts.js from each chart's `data-chart` JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.access import region_filter
from api.deps import PolicyDep, SessionDep, SettingsDep
from api.routes.ledger import SEES_CASES, report
from api.web.auth import PageDep
from api.web.history import department_name
from api.web.routes.cases import HARDSHIP
from api.web.templating import render
from ledger.dashboard import PLACE_COLUMNS, by_place, suppress
from ledger.referrals import STATUS_ZH, STATUSES

router = APIRouter(prefix="/app/dashboard", include_in_schema=False)
PLACE_ZH = {
    "cases": "在册个案",
    "hardship": "困难群体",
    "overdue_reviews": "复核逾期",
    "referrals": "办理中的转介",
    "overdue_referrals": "紧急转介超时",
}


def _chart(
    categories: list[str], series: list[tuple[str, list[int | None]]], **extra: Any
) -> dict[str, Any]:
    return {
        "categories": categories,
        "series": [{"name": name, "data": data} for name, data in series],
        **extra,
    }


@router.get("")
def dashboard(
    page: PageDep, session: SessionDep, policy: PolicyDep, settings: SettingsDep
) -> HTMLResponse:
    """统计：困难群体、转介、逾期，按村（社区）."""
    page.require("caseworker", "policy", "admin")
    today = date.today()
    hidden = page.principal.role not in SEES_CASES  # small counts suppressed, as in the report
    threshold = settings.small_count_threshold

    def shown(value: int | None) -> int | None:
        return suppress(value, threshold) if hidden else value

    totals = report(session, settings, page.principal, None, today)
    cat = policy.catalog
    groups = [n for n in HARDSHIP if n in cat.classifications]
    hardship = [
        (cat.classifications[n].zh, shown(totals["classifications"].get(n, {}).get("true", 0)))
        for n in groups
    ]
    departments = sorted(totals["referrals"])
    statuses = [s for s in STATUSES if any(s in totals["referrals"][d] for d in departments)]
    referral_rows = [
        (department_name(policy, d), [shown(totals["referrals"][d].get(s, 0)) for s in statuses])
        for d in departments
    ]
    places = by_place(
        session,
        region=region_filter(page.principal, None),
        on=today,
        hours=settings.urgent_response_hours,
        at=datetime.now(UTC),
    )
    place_rows = [
        (f"{p['village']}（{p['region_code']}）", [shown(p[c]) for c in PLACE_COLUMNS])
        for p in places
    ]
    overdue_referrals = sum(p["overdue_referrals"] for p in places)
    overdue = [
        ("复核逾期", shown(totals["overdue_reviews"])),
        ("紧急转介超时", shown(overdue_referrals)),
    ]
    return render(
        page.request,
        "dashboard.html",
        title="统计",
        totals=totals,
        cases_total=shown(totals["cases"]["total"]),
        hidden=hidden,
        threshold=threshold,
        hardship=hardship,
        hardship_chart=_chart([n for n, _ in hardship], [("人数", [v for _, v in hardship])]),
        statuses=[STATUS_ZH[s] for s in statuses],
        referral_rows=referral_rows,
        referral_chart=_chart(
            [d for d, _ in referral_rows],
            [(STATUS_ZH[s], [row[i] for _, row in referral_rows]) for i, s in enumerate(statuses)],
            stack=True,
        ),
        overdue=overdue,
        overdue_chart=_chart([n for n, _ in overdue], [("数量", [v for _, v in overdue])]),
        place_columns=[PLACE_ZH[c] for c in PLACE_COLUMNS],
        place_rows=place_rows,
        place_chart=_chart(
            [p for p, _ in place_rows],
            [(PLACE_ZH[c], [row[i] for _, row in place_rows]) for i, c in enumerate(PLACE_COLUMNS)],
            horizontal=True,
        ),
    )
