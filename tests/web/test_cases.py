"""The ledger pages in a real browser: search and filters, the export of the current filter,
the case page (name revealed on click and audited, referrals, history), an edit meeting a
conflict, close and reopen with a reason."""

from __future__ import annotations

import csv
import io
import re

import httpx
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.web.browser import sign_in
from tests.web.cases import new_case
from tests.web.server import WebServer


def test_search_by_last_four_and_filter_by_village(page: Page, web: WebServer) -> None:
    a = new_case(web, 11, village="东山村", name="李春花")
    new_case(web, 12, village="西河村", name="周秋月")
    last4 = web.api("GET", f"/v1/cases/{a['id']}", "caseworker").json()["identity"]["id_last4"]
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/cases")
    page.get_by_label("姓名或身份证号后四位").fill(last4)
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("李*花")
    page.goto("/app/cases?village=西河村")
    expect(page.locator("tbody")).to_contain_text("周*月")
    expect(page.locator("tbody")).not_to_contain_text("李*花")


def test_the_export_holds_the_current_filter_masked_and_formula_safe(
    page: Page, web: WebServer
) -> None:
    new_case(web, 21, village='=HYPERLINK("http://x")', name="陈美丽")
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/cases?village=" + httpx.QueryParams({"v": '=HYPERLINK("http://x")'})["v"])
    with page.expect_download() as got:
        page.get_by_role("link", name="导出 Excel（XLSX）").click()
    book = load_workbook(io.BytesIO(got.value.path().read_bytes()))
    sheet = book["台账"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("个案号", "行政区划代码", "村（社区）", "姓名（脱敏）")
    assert any(str(h).startswith("建立困难群体信息台账") for h in header)  # one column per code
    assert len(rows) == 2
    assert rows[1][2] == '\'=HYPERLINK("http://x")'  # text, never a formula
    assert rows[1][3] == "陈*丽"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    with page.expect_download() as got_csv:
        page.get_by_role("link", name="导出 CSV").click()
    text = got_csv.value.path().read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "个案号" and len(lines) == 2 and lines[1][3] == "陈*丽"
    assert "陈美丽" not in text


def test_the_full_name_is_revealed_on_click_and_audited(page: Page, web: WebServer) -> None:
    case = new_case(web, 31, name="欧阳娜娜")
    sign_in(page, web.tokens["caseworker"])
    page.goto(f"/app/cases/{case['id']}")
    expect(page.locator("#case-name")).to_have_text("欧**娜")
    page.get_by_role("button", name="显示全名").click()
    expect(page.locator("#case-name")).to_contain_text("欧阳娜娜")
    audit = web.api("GET", f"/v1/audit?action=name_revealed&case_id={case['id']}").json()
    assert audit["total"] == 1
    assert audit["items"][0]["actor"] == "李干事"
    expect(page.locator(".referral").first).to_contain_text("待接收")


def test_an_edit_meeting_a_conflict_says_so_and_shows_both_versions(
    page: Page, web: WebServer
) -> None:
    case = new_case(web, 41, name="刘桂英")
    sign_in(page, web.tokens["caseworker"])
    page.goto(f"/app/cases/{case['id']}/edit")
    page.locator("#f-age_years").fill("51")
    # meanwhile a colleague saves another version
    current = web.api("GET", f"/v1/cases/{case['id']}", "caseworker").json()["profile"]
    theirs = web.api(
        "PUT",
        f"/v1/cases/{case['id']}/profile",
        "caseworker",
        json={"profile": {**current, "age_years": 58, "has_disability_certificate": True}},
        headers={"If-Match": '"1"'},
    )
    assert theirs.status_code == 200, theirs.text
    page.get_by_role("button", name="保存").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_contain_text("已被他人修改")
    row = conflict.locator("tr", has_text="周岁年龄")
    expect(row).to_contain_text("51")
    expect(row).to_contain_text("58")
    page.get_by_role("button", name="保存").click()  # she keeps hers, knowingly
    page.wait_for_url(re.compile(r"\?saved=1$"))
    shown = web.api("GET", f"/v1/cases/{case['id']}", "caseworker").json()
    assert shown["version"] == 3 and shown["profile"]["age_years"] == 51
    history = page.locator("h2:has-text('评估记录') + ol > li")
    expect(history).to_have_count(3)
    expect(history.first).to_contain_text("修改画像，画像第 3 版")
    expect(history.first.locator(".lost")).to_contain_text("不再适用")  # hers has no certificate
    expect(history.nth(1).locator(".gained")).to_contain_text("新增")


def test_an_edit_to_a_sex_her_id_number_contradicts_is_refused_beside_the_field(
    page: Page, web: WebServer
) -> None:
    case = new_case(web, 61, name="吴秀珍")  # a woman's ID number (even 17th digit)
    sign_in(page, web.tokens["caseworker"])
    page.goto(f"/app/cases/{case['id']}/edit")
    page.locator("#f-sex").select_option("male")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-sex")).to_have_text("错误：与身份证号（第17位）所示的性别不一致")
    shown = web.api("GET", f"/v1/cases/{case['id']}", "caseworker").json()
    assert shown["version"] == 1 and shown["profile"]["sex"] == "female"


def test_close_needs_a_reason_and_reopen_too(page: Page, web: WebServer) -> None:
    case = new_case(web, 51, name="孙玉兰")
    sign_in(page, web.tokens["caseworker"])
    page.goto(f"/app/cases/{case['id']}")
    page.get_by_role("button", name="关闭个案").click()
    expect(page.locator(".error-summary")).to_contain_text("关闭原因：请填写")
    page.get_by_label("关闭原因").fill("已迁出本县")
    page.get_by_role("button", name="关闭个案").click()
    expect(page.locator("dl.facts").first).to_contain_text("已关闭")
    page.get_by_label("重新打开的原因").fill("迁回本村")
    page.get_by_role("button", name="重新打开").click()
    expect(page.locator("dl.facts").first).to_contain_text("在册")
    assert web.api("GET", f"/v1/cases/{case['id']}", "caseworker").json()["status"] == "open"
