"""The 转介单 printed to PDF by Chromium: one A4 page whose text holds the receiving
department, the referred codes and the case number; its QR code is the referral's inbox
address; printing is audited."""

from __future__ import annotations

import io

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from api.web.routes.printing import qr_code
from tests.web.browser import SCREENSHOTS, sign_in
from tests.web.seed import VIOLENCE, create_case, referral_to
from tests.web.server import WebServer

A4 = (595, 842)  # points


def test_a_referral_slip_prints_to_one_a4_page_with_department_codes_and_case_number(
    page: Page, web: WebServer
) -> None:
    case = create_case(web, VIOLENCE, 21, name="陈小芳")
    police = referral_to(case, "POLICE")
    number = web.api("GET", f"/v1/cases/{case['id']}", "caseworker").json()["number"]
    sign_in(page, web.tokens["caseworker"])
    page.goto(f"/app/referrals/{police['id']}/print")
    page.get_by_label("联系电话").fill("0731-86868686")
    page.get_by_role("button", name="填入").click()
    expect(page.locator("#slip-number")).to_have_text(number)
    qr = page.locator(".qr img")
    assert qr.get_attribute("src") == qr_code(f"{web.base_url}/app/inbox/{police['id']}")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "print-referral.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4
    text = "".join(reader.pages[0].extract_text().split())
    assert number in text
    assert "公安机关" in text
    assert "家庭暴力报警、出警制止、调查取证、协助就医验伤" in text  # URGENT_DV_POLICE
    assert "0731-86868686" in text
    assert "陈小芳" not in text and "陈*芳" in text
    for box_label in ("转介人签字", "接收单位（盖章）"):
        assert box_label in text
    audit = web.api("GET", "/v1/audit?action=referral_printed").json()["items"]
    assert any(a["referral_id"] == police["id"] and a["actor"] == "李干事" for a in audit)


def test_the_qr_code_opens_the_referral_in_the_inbox_after_signing_in(
    page: Page, web: WebServer
) -> None:
    case = create_case(web, VIOLENCE, 22, name="周丽")
    police = referral_to(case, "POLICE")
    page.goto(f"/app/inbox/{police['id']}")  # what the phone opens from the QR code
    page.wait_for_url("**/app/login?next=*")
    page.get_by_label("令牌").fill(web.tokens["police"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/app/inbox/{police['id']}")
    expect(page.get_by_role("button", name="接收")).to_be_visible()
