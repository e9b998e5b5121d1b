"""Every page at 360 px (a phone) and 1366 px (an office screen): no horizontal scrolling, no
serious or critical axe-core violation, nothing loaded from another host; a screenshot of each
into reports/screenshots/ (ignored by git)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser import (
    OFFICE,
    PHONE,
    axe_violations,
    open_page,
    overflow,
    screenshot,
    sign_in,
)
from tests.web.cases import new_case
from tests.web.server import WebServer


def _urgent(page: Page) -> None:
    for fact, value in [
        ("sex", "female"),
        ("rights_infringed", "true"),
        ("domestic_violence_ongoing", "true"),
    ]:
        with page.expect_response(re.compile(r"/app/evaluate/panel$")):
            page.locator(f"#f-{fact}").select_option(value)
    expect(page.locator(".urgent-banner")).to_be_visible()


PAGES: dict[str, tuple[str, str, Callable[[Page], None] | None]] = {
    # name: (who signs in, path, what to do there first)
    "login": ("", "/app/login", None),
    "evaluate": ("caseworker", "/app/evaluate", None),
    "evaluate-urgent": ("caseworker", "/app/evaluate", _urgent),
    "cases": ("caseworker", "/app/cases", None),
    "case": ("caseworker", "/app/cases/{case}", None),
    "case-edit": ("caseworker", "/app/cases/{case}/edit", None),
    "home-department": ("police", "/app/home", None),
    "refused": ("police", "/app/cases", None),
}


@pytest.fixture(scope="module")
def case_id(web: WebServer) -> str:
    made = new_case(web, 77, name="黄丽华", has_disability_certificate=True,
                    disability_category="physical", disability_grade=2)  # fmt: skip
    return str(made["id"])


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("viewport", [PHONE, OFFICE], ids=["360", "1366"])
def test_each_page_fits_the_screen_passes_axe_and_stays_at_home(
    browser: Browser, web: WebServer, case_id: str, name: str, viewport: dict[str, int]
) -> None:
    who, path, then = PAGES[name]
    page, watch = open_page(browser, web.base_url, viewport)  # type: ignore[arg-type]
    try:
        if who:
            sign_in(page, web.tokens[who])
        page.goto(path.format(case=case_id))
        if then:
            then(page)
        shot = screenshot(page, name)
        assert overflow(page) <= 0, f"{name} scrolls sideways at {viewport['width']} px ({shot})"
        if viewport["width"] == PHONE["width"]:  # the rules do not depend on the width
            assert axe_violations(page) == [], name
    finally:
        page.context.close()
    assert watch.foreign == [] and watch.csp == [] and watch.errors == [], watch


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_reference_works_offline(browser: Browser, web: WebServer, path: str) -> None:
    page, watch = open_page(browser, web.base_url)
    try:
        page.goto(path)
        if path == "/docs":
            # Swagger UI parses a 1.7 MB bundle and the whole OpenAPI: slow on a loaded machine
            expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=45_000)
        else:
            expect(page.get_by_text("关爱帮扶 guanai").first).to_be_visible()
        screenshot(page, path.strip("/"))
    finally:
        page.context.close()
    assert watch.foreign == [], watch.foreign
    assert watch.errors == [], watch.errors
    # ReDoc's footer always asks for its logo from cdn.redoc.ly: our CSP blocks it before any
    # request leaves (the image then hides itself). Nothing else may be blocked.
    blocked = [m for m in watch.csp if "https://cdn.redoc.ly/redoc/logo-mini.svg" not in m]
    assert blocked == [], blocked
