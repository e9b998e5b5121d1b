"""The review page in a real browser: the cases of GET /v1/ledger/due-for-review, overdue
first, each with how many days it is overdue, each opening its case."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from tests.web.browser import sign_in
from tests.web.seed import DISABLED_LOW_INCOME, create_case
from tests.web.server import WebServer


def test_the_review_page_lists_the_due_cases_overdue_first(page: Page, web: WebServer) -> None:
    older = create_case(web, DISABLED_LOW_INCOME, 51, name="李四娘", as_of="2025-04-01")
    newer = create_case(web, DISABLED_LOW_INCOME, 52, name="王五妹", as_of="2025-08-01")
    create_case(web, DISABLED_LOW_INCOME, 53, name="赵六姐")  # due in six months: not listed
    due = web.api("GET", "/v1/ledger/due-for-review", "caseworker").json()["items"]
    assert [c["id"] for c in due] == [older["id"], newer["id"]]
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/review?ahead=0")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    days = (date.today() - date.fromisoformat(older["next_review_due"])).days
    expect(rows.first).to_contain_text(f"逾期 {days} 天")
    expect(rows.first).to_contain_text("李*娘")
    expect(page.get_by_role("status")).to_have_text("共 2 个个案待复核，其中 2 个已逾期。")
    rows.nth(1).get_by_role("link").click()
    page.wait_for_url(f"**/app/cases/{newer['id']}")
