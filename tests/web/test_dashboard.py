"""The dashboard in a real browser: its tables hold the numbers of GET /v1/reports/summary,
its charts are drawn (by the app's own echarts, from each chart's data attribute); a policy
officer, who may not see cases, gets counts under the threshold suppressed."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.web.browser import sign_in
from tests.web.seed import DISABLED_LOW_INCOME, VIOLENCE, create_case
from tests.web.server import WebServer


def table(page: Page, table_id: str) -> dict[str, list[str]]:
    """A table's rows: the row header → the cells."""
    rows: dict[str, list[str]] = {}
    for row in page.locator(f"#{table_id} tbody tr").all():
        rows[row.locator("th").inner_text()] = row.locator("td").all_inner_texts()
    return rows


def seeded(web: WebServer) -> None:
    if web.api("GET", "/v1/cases", "caseworker").json()["total"]:
        return
    create_case(web, VIOLENCE, 31, name="张小梅")
    create_case(web, DISABLED_LOW_INCOME, 32, name="李四娘", village="红星村", as_of="2025-04-01")
    create_case(web, DISABLED_LOW_INCOME, 33, name="王五妹", village="红星村")


def test_the_dashboard_numbers_equal_the_summary_report(page: Page, web: WebServer) -> None:
    seeded(web)
    summary = web.api("GET", "/v1/reports/summary", "caseworker").json()
    catalog = web.api("GET", "/v1/catalog", "caseworker").json()
    classes = {c["name"]: c["label"]["zh"] for c in catalog["classifications"]}
    departments = {d["code"]: d["name"]["zh"] for d in catalog["departments"]}
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/dashboard")
    expect(page.locator("#cases-total")).to_have_text(str(summary["cases"]["total"]))
    hardship = table(page, "t-hardship")
    for name, counts in summary["classifications"].items():
        if classes[name] in hardship:
            assert hardship[classes[name]] == [str(counts.get("true", 0))], name
    assert len(hardship) == 5
    assert hardship[classes["is_hardship_group"]] == ["3"]
    referrals = table(page, "t-referrals")
    statuses = page.locator("#t-referrals thead th").all_inner_texts()[1:]
    zh = {"open": "待接收", "accepted": "已接收", "in_progress": "办理中", "completed": "已办结"}
    for department, counts in summary["referrals"].items():
        name = departments[department]
        for status, count in counts.items():
            assert referrals[name][statuses.index(zh[status])] == str(count), (department, status)
    assert len(referrals) == len(summary["referrals"])
    overdue = table(page, "t-overdue")
    assert overdue["复核逾期"] == [str(summary["overdue_reviews"])] == ["1"]
    places = table(page, "t-places")
    assert places["红星村（430121）"][0] == "2" and places["光明村（430121）"][0] == "1"
    assert sum(int(cells[0]) for cells in places.values()) == summary["cases"]["open"]
    spec = json.loads(page.locator("#chart-hardship").get_attribute("data-chart") or "{}")
    assert spec["series"][0]["data"] == [int(cells[0]) for cells in hardship.values()]
    for chart in ("chart-hardship", "chart-referrals", "chart-overdue", "chart-places"):
        expect(page.locator(f"#{chart} canvas")).to_have_count(1)


def test_a_policy_officer_sees_small_counts_suppressed(page: Page, web: WebServer) -> None:
    seeded(web)
    summary = web.api("GET", "/v1/reports/summary", "policy").json()
    assert summary["suppressed_below"] == 5
    sign_in(page, web.tokens["policy"])
    page.goto("/app/dashboard")
    expect(page.locator("main")).to_contain_text("少于 5 的数字不显示")
    classes = {
        c["name"]: c["label"]["zh"] for c in web.api("GET", "/v1/catalog").json()["classifications"]
    }
    for label, cells in table(page, "t-hardship").items():
        (name,) = [n for n, zh in classes.items() if zh == label]
        count = summary["classifications"].get(name, {}).get("true", 0)
        assert cells == ["<5" if count is None else str(count)], name
    places = table(page, "t-places")  # 在册, 困难群体, 复核逾期, 办理中的转介, 紧急转介超时
    assert places["光明村（430121）"] == ["<5", "<5", "0", "6", "0"]  # 6 referrals: shown
    assert places["红星村（430121）"] == ["<5", "<5", "<5", "<5", "0"]
    assert table(page, "t-overdue")["复核逾期"] == ["<5"]
    spec = json.loads(page.locator("#chart-places").get_attribute("data-chart") or "{}")
    assert [s["data"] for s in spec["series"]][3] == [6, None]
