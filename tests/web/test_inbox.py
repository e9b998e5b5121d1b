"""The department's inbox in a real browser: 公安机关 accepts and completes an urgent referral,
the caseworker's case page shows it; a second click on a page already acted on is refused
(never a second move); the referral opens to the minimised case view only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from tests.web.browser import open_page, sign_in
from tests.web.seed import VIOLENCE, create_case, referral_to
from tests.web.server import WebServer


def test_a_department_accepts_and_completes_a_referral_and_the_case_page_shows_it(
    page: Page, web: WebServer, browser: Browser
) -> None:
    case = create_case(web, VIOLENCE, 11, name="张小梅")
    police = referral_to(case, "POLICE")
    sign_in(page, web.tokens["police"])
    page.goto("/app/inbox")
    row = page.locator("tr", has=page.locator(f"a[href='/app/inbox/{police['id']}']"))
    expect(row).to_contain_text("紧急")
    expect(row).to_contain_text("张*梅")
    expect(page.locator("tbody tr").first).to_contain_text("紧急")  # urgent first
    row.get_by_role("link").click()
    page.wait_for_url(f"**/app/inbox/{police['id']}")
    expect(page.locator("#referral-status")).to_contain_text("待接收")
    expect(page.locator("main")).to_contain_text("响应时限")
    expect(page.locator("main")).not_to_contain_text("张小梅")  # masked, never revealed here
    page.get_by_label("说明").fill("已派民警上门")
    page.get_by_role("button", name="接收").click()
    page.wait_for_url(re.compile(r"moved=accepted$"))
    expect(page.locator("#moved")).to_have_text("已改为“已接收”。")
    page.get_by_role("button", name="开始办理").click()
    page.wait_for_url(re.compile(r"moved=in_progress$"))
    page.get_by_label("说明").fill("已出具告诫书")
    page.get_by_role("button", name="办结").click()
    page.wait_for_url(re.compile(r"moved=completed$"))
    expect(page.locator("#referral-status")).to_contain_text("已办结")
    expect(page.locator(".move-form")).to_have_count(0)  # nothing left to do
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("待接收 → 已接收（派出所）：已派民警上门")
    expect(timeline).to_contain_text("办理中 → 已办结（派出所）：已出具告诫书")

    moved = web.api("GET", "/v1/referrals?status=completed", "police").json()["items"]
    assert [r["id"] for r in moved] == [police["id"]]

    worker, watch = open_page(browser, web.base_url)
    try:
        sign_in(worker, web.tokens["caseworker"])
        worker.goto(f"/app/cases/{case['id']}")
        section = worker.locator("section.referral", has_text="公安机关")
        expect(section).to_contain_text("已办结")
        expect(section).to_contain_text("已接收 → 办理中（派出所）")
        expect(section).to_contain_text("已出具告诫书")
    finally:
        worker.context.close()
    assert watch.foreign == [] and watch.csp == [] and watch.errors == []


def test_a_second_click_on_a_page_already_acted_on_moves_nothing(
    page: Page, web: WebServer, browser: Browser
) -> None:
    case = create_case(web, VIOLENCE, 12, name="王秀英")
    police = referral_to(case, "POLICE")
    sign_in(page, web.tokens["police"])
    page.goto(f"/app/inbox/{police['id']}")
    other, watch = open_page(browser, web.base_url)  # the same page, open in a second tab
    try:
        sign_in(other, web.tokens["police"])
        other.goto(f"/app/inbox/{police['id']}")
        other.get_by_role("button", name="接收").click()
        other.wait_for_url(re.compile(r"moved=accepted$"))
    finally:
        other.context.close()
    assert watch.errors == []
    page.get_by_label("说明").fill("重复登记")  # a decline gives its reason (the schema says so)
    page.get_by_role("button", name="不予受理").click()  # made on what the page showed
    expect(page.locator(".error-summary")).to_contain_text("已被他人")
    expect(page.locator("#referral-status")).to_contain_text("已接收")
    history = web.api("GET", f"/v1/cases/{case['id']}", "police").json()["referrals"]
    (mine,) = [r for r in history if r["id"] == police["id"]]
    assert [e["to"] for e in mine["history"]] == ["open", "accepted"]


def test_the_case_view_of_a_department_holds_only_what_the_json_view_does(
    page: Page, web: WebServer
) -> None:
    case = create_case(web, VIOLENCE, 13, name="刘桂兰")
    police = referral_to(case, "POLICE")
    view = web.api("GET", f"/v1/cases/{case['id']}", "police").json()
    sign_in(page, web.tokens["police"])
    page.goto(f"/app/inbox/{police['id']}")
    shown = page.locator("main").inner_text()
    assert "刘*兰" in shown and "刘桂兰" not in shown
    assert view["identity"]["id_last4"] in shown
    labels = page.locator("h2:has-text('个案信息') + dl.facts dt").all_inner_texts()
    assert len(labels) == len(view["profile"]) > 0
    assert "婚姻状况" not in labels or "marital_status" in view["profile"]


def test_an_urgent_referral_past_its_response_deadline_is_marked_and_listed_first(
    page: Page, web: WebServer
) -> None:
    fresh = referral_to(create_case(web, VIOLENCE, 14, name="孙美华"), "POLICE")
    late = referral_to(create_case(web, VIOLENCE, 15, name="吴春花"), "POLICE")
    opened = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=30)
    engine = create_engine(web.database_url)
    try:
        with engine.begin() as db:  # opened 30 hours ago (the default deadline is 24 hours)
            db.execute(
                text("UPDATE referrals SET created_at = :at WHERE id = :id"),
                {"at": opened, "id": late["id"]},
            )
    finally:
        engine.dispose()
    sign_in(page, web.tokens["police"])
    page.goto("/app/inbox")
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("已超时")
    expect(rows.first.locator("a")).to_have_attribute("href", f"/app/inbox/{late['id']}")
    mine = page.locator("tr", has=page.locator(f"a[href='/app/inbox/{fresh['id']}']"))
    expect(mine).not_to_contain_text("已超时")
    expect(page.get_by_role("status")).to_contain_text("紧急转介已超时")
    page.goto(f"/app/inbox/{late['id']}")
    expect(page.locator("main")).to_contain_text("已超时")
