"""/app/review — cases due for their six-monthly review: overdue first, then those due within
the coming weeks. The list is GET /v1/ledger/due-for-review's own function (region and audit
included), asked for a day a few weeks ahead; days are then counted from today."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from api.routes.ledger import review_queue
from api.web.auth import PageDep
from api.web.templating import render

router = APIRouter(prefix="/app/review", include_in_schema=False)


@router.get("")
def review_list(
    page: PageDep,
    session: SessionDep,
    ahead: Annotated[int, Query(ge=0, le=180)] = 30,
) -> HTMLResponse:
    """到期复核：逾期的在前."""
    page.require("caseworker", "admin")
    today = date.today()
    listed = review_queue(session, page.principal, None, today + timedelta(days=ahead))
    items = [
        {**item, "days": (today - date.fromisoformat(item["next_review_due"])).days}
        for item in listed["items"]
    ]
    items.sort(key=lambda i: (-i["days"], i["id"]))
    return render(
        page.request,
        "review.html",
        title="到期复核",
        items=items,
        overdue=sum(1 for i in items if i["days"] > 0),
        ahead=ahead,
    )
