"""The intake in a real browser: guided by the next questions until none is left, then saved;
an urgent domestic-violence profile shows the banner first; the ID number checked as typed."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.id_numbers import mans, womans
from tests.web.browser import screenshot, sign_in
from tests.web.server import REGION, WebServer

# What this caseworker learns when she asks: a left-behind woman with no other difficulty.
ANSWERS = {
    "sex": "female",
    "marital_status": "married",
    "husband_away": "true",
    "husband_away_reason": "migrant_work",
    "residence_area": "village",
    "labour_capacity": "normal",
    "region_code": REGION,
    "age_years": "45",
    "husband_away_continuous_months": "12",
    "household_income_pc_monthly": "900",
}
NUMBERS = {"household_rigid_expenditure_12m": "0", "household_income_12m": "30000"}
WOMANS_ID = womans(REGION, "19800101", 61)  # sequence code 122: even, a woman's
MANS_ID = mans(REGION, "19800101", 61)  # sequence code 123: odd, a man's


def answer(page: Page, fact: str) -> None:
    """Answer one question in its field (the one its link focused)."""
    field = page.locator(f"#f-{fact}")
    tag = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
    with page.expect_response(re.compile(r"/app/evaluate/panel$")):
        if tag.startswith("select"):
            options = field.locator("option").evaluate_all("os => os.map(o => o.value)")
            field.select_option(ANSWERS.get(fact, "false" if "false" in options else options[1]))
        elif tag == "input:checkbox":
            field.check()
        else:
            field.fill(ANSWERS.get(fact) or NUMBERS.get(fact, "1"))
            field.press("Tab")


def test_a_caseworker_is_guided_by_the_next_questions_until_none_is_left_then_saves(
    page: Page, web: WebServer
) -> None:
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/evaluate")
    asked: list[str] = []
    for _ in range(60):
        first = page.locator("#panel ol.questions a").first
        if page.locator("#no-questions").count():
            break
        fact = first.get_attribute("data-fact") or ""
        assert fact not in asked, f"{fact} was asked again after it was answered"
        first.click()
        expect(page.locator(f"#f-{fact}")).to_be_focused()
        answer(page, fact)
        asked.append(fact)
    expect(page.locator("#no-questions")).to_have_text("没有需要再问的问题了。")
    assert len(asked) >= 5, asked
    expect(page.locator("#s-eligible")).to_contain_text("符合条件")
    page.get_by_label("姓名").fill("王小红")
    page.get_by_label("身份证号").fill(WOMANS_ID)
    expect(page.locator("#m-id_number")).to_have_text("校验位正确")
    page.get_by_label("村（社区）").fill("光明村")
    page.get_by_role("button", name="保存到台账").click()
    page.wait_for_url(re.compile(r"/app/cases/[0-9a-f]{32}\?saved=1$"))
    expect(page.locator("h1")).to_have_text(re.compile(r"个案 430121-\d{4}-\d{6}"))
    expect(page.get_by_role("status")).to_have_text("已保存到台账。")
    expect(page.locator("#case-name")).to_have_text("王*红")


def test_an_urgent_domestic_violence_profile_shows_the_banner_first(
    page: Page, web: WebServer
) -> None:
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/evaluate")
    for fact, value in [
        ("sex", "female"),
        ("rights_infringed", "true"),
        ("domestic_violence_ongoing", "true"),
    ]:
        with page.expect_response(re.compile(r"/app/evaluate/panel$")):
            page.locator(f"#f-{fact}").select_option(value)
    with page.expect_response(re.compile(r"/app/evaluate/panel$")):
        page.get_by_role("checkbox", name="家庭暴力", exact=True).check()
    banner = page.locator("#panel .urgent-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("报警 110")
    expect(banner).to_contain_text("人身安全保护令")
    expect(banner).to_contain_text("临时庇护")
    page.locator("#f-age_years").fill("38")
    page.locator("#f-age_years").press("Tab")
    page.wait_for_load_state("networkidle")
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "evaluate-readme", full_page=False)  # docs/screenshots/evaluate.png
    first = page.evaluate(
        "() => [...document.querySelector('#panel').children]"
        ".find(e => !e.classList.contains('visually-hidden')).className"
    )
    assert first == "urgent-banner"


def test_the_id_number_is_checked_as_she_types(page: Page, web: WebServer) -> None:
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/evaluate")
    field = page.get_by_label("身份证号")
    field.fill("4301211980")
    expect(page.locator("#m-id_number")).to_have_text("已输入 10 位，共 18 位")
    good = WOMANS_ID
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    field.fill(bad)
    expect(page.locator("#m-id_number")).to_have_text("校验位不对，请核对号码")
    expect(field).to_have_attribute("aria-invalid", "true")


def test_the_server_refuses_a_bad_id_number_with_a_summary_linking_to_the_field(
    page: Page, web: WebServer
) -> None:
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/evaluate")
    page.locator("#f-region_code").fill(REGION)
    page.get_by_label("姓名").fill("赵四")
    page.get_by_label("身份证号").fill("430121198001011230")  # wrong check digit
    page.get_by_label("村（社区）").fill("光明村")
    page.get_by_role("button", name="保存到台账").click()
    summary = page.locator(".error-summary").first
    expect(summary).to_be_focused()
    link = summary.locator("a[href='#f-id_number']")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_label("身份证号")).to_be_focused()


def test_a_stated_sex_the_id_number_contradicts_is_refused_beside_the_sex_field(
    page: Page, web: WebServer
) -> None:
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/evaluate")
    with page.expect_response(re.compile(r"/app/evaluate/panel$")):
        page.locator("#f-sex").select_option("female")
    page.locator("#f-region_code").fill(REGION)
    page.get_by_label("姓名").fill("赵四")
    page.get_by_label("身份证号").fill(MANS_ID)
    page.get_by_label("村（社区）").fill("光明村")
    page.get_by_role("button", name="保存到台账").click()
    beside = page.locator("#e-sex")
    expect(beside).to_have_text("错误：性别：与身份证号（第17位）所示的性别不一致")
    expect(page.locator("#f-sex")).to_have_attribute("aria-describedby", re.compile(r"\be-sex\b"))
    summary = page.locator(".error-summary").first
    expect(summary).to_be_focused()
    summary.locator("a[href='#f-sex']").click()
    expect(page.locator("#f-sex")).to_be_focused()
    assert page.locator(".field-error").count() == 1  # the ID number itself is not faulted
    page.locator("#f-sex").select_option("male")
    page.get_by_role("button", name="保存到台账").click()
    page.wait_for_url(re.compile(r"/app/cases/[0-9a-f]{32}\?saved=1$"))


def test_why_not_and_beyond_the_programme_are_folded_below(page: Page, web: WebServer) -> None:
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/evaluate")
    for fact, value in [("sex", "female"), ("husband_away", "false"), ("has_legal_matter", "true")]:
        with page.expect_response(re.compile(r"/app/evaluate/panel$")):
            page.locator(f"#f-{fact}").select_option(value)
    with page.expect_response(re.compile(r"/app/evaluate/panel$")):
        page.get_by_role("checkbox", name="请求给付赡养费、抚养费、扶养费").check()
    why_not = page.locator("#panel details.why-not")
    beyond = page.locator("#panel details.outside")
    expect(why_not.locator("> summary")).to_contain_text("为什么不符合")
    expect(beyond.locator("> summary")).to_contain_text("本方案之外")
    expect(beyond.locator(".code-name").first).not_to_be_visible()  # folded
    beyond.locator("> summary").click()
    expect(beyond).to_contain_text("法律援助")
    why_not.locator("> summary").click()
    flip = why_not.locator("a[href^='#f-']").first
    target = (flip.get_attribute("href") or "").removeprefix("#")
    flip.click()
    expect(page.locator(f"#{target}")).to_be_focused()


def test_the_intake_works_without_javascript(browser: Browser, web: WebServer) -> None:
    context = browser.new_context(base_url=web.base_url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, web.tokens["caseworker"])
        page.goto("/app/evaluate")
        page.locator("#f-sex").select_option("female")
        page.locator("#f-rights_infringed").select_option("true")
        page.locator("#f-domestic_violence_ongoing").select_option("true")
        page.get_by_role("button", name="更新评估结果").click()
        expect(page.locator("#panel .urgent-banner")).to_contain_text("报警 110")
        expect(page.locator("#f-domestic_violence_ongoing")).to_have_value("true")  # kept
        page.get_by_label("姓名").fill("钱小芳")
        page.get_by_label("村（社区）").fill("光明村")
        page.get_by_role("button", name="保存到台账").click()
        page.wait_for_url(re.compile(r"/app/cases/[0-9a-f]{32}\?saved=1$"))
        expect(page.locator(".referral").first).to_be_visible()
    finally:
        context.close()


def test_the_live_panel_is_never_sent_her_name_or_id_number(page: Page, web: WebServer) -> None:
    sign_in(page, web.tokens["caseworker"])
    page.goto("/app/evaluate")
    page.get_by_label("姓名").fill("孙小燕")
    with page.expect_request(re.compile(r"/app/evaluate/panel$")) as sent:
        page.locator("#f-sex").select_option("female")
    body = sent.value.post_data or ""
    assert "sex=female" in body
    assert "name=" not in body.replace("csrf_token", "") and "id_number" not in body
