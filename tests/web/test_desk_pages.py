"""Every page of the inbox, 转介单, review, dashboard and import, for the role that uses it: at
360 px without horizontal scrolling and at 1366 px, no serious or critical axe-core
violation, screenshots of both widths; and the roles that may not use a page refused it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.web.browser import OFFICE, PHONE, axe_violations, open_page, overflow, screenshot
from tests.web.browser import sign_in as browser_sign_in
from tests.web.seed import DISABLED_LOW_INCOME, VIOLENCE, create_case, referral_to
from tests.web.server import WebServer
from tests.web.test_import import survey_file


@pytest.fixture(scope="module")
def places(web: WebServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A page path for each name, with a referral, a review due and an import to show."""
    case = create_case(web, VIOLENCE, 41, name="张小梅")
    create_case(web, DISABLED_LOW_INCOME, 42, name="李四娘", village="红星村", as_of="2025-04-01")
    police = referral_to(case, "POLICE")
    return {
        "inbox": "/app/inbox",
        "inbox-referral": f"/app/inbox/{police['id']}",
        "print": f"/app/referrals/{police['id']}/print",
        "review": "/app/review",
        "dashboard": "/app/dashboard",
        "import": "/app/import",
        "survey": str(survey_file(tmp_path_factory.mktemp("survey"))),
    }


WHO = {  # the role that uses each page
    "inbox": "police",
    "inbox-referral": "police",
    "print": "caseworker",
    "review": "caseworker",
    "dashboard": "caseworker",
    "import": "caseworker",
    "import-result": "caseworker",
    "dashboard-policy": "policy",
}


@pytest.fixture
def phone(browser: Browser, web: WebServer) -> Iterator[Page]:
    page, watch = open_page(browser, web.base_url, PHONE)
    yield page
    page.context.close()
    assert watch.foreign == [] and watch.csp == [] and watch.errors == []


def _open(page: Page, web: WebServer, places: dict[str, str], name: str) -> None:
    browser_sign_in(page, web.tokens[WHO[name]])
    if name == "import-result":
        page.goto("/app/import")
        page.get_by_label("摸排表文件").set_input_files(Path(places["survey"]))
        page.get_by_role("button", name="开始导入").click()
        page.wait_for_url(re.compile(r"/app/import/[0-9a-f]{32}$"))
        page.locator("#import-result").wait_for()
        return
    page.goto(places[name.removesuffix("-policy")])
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("name", list(WHO))
def test_each_page_fits_a_phone_and_an_office_screen_and_passes_axe(
    name: str, phone: Page, page: Page, web: WebServer, places: dict[str, str]
) -> None:
    for shown in (phone, page):
        _open(shown, web, places, name)
        assert shown.url.rstrip("/").endswith(places.get(name.removesuffix("-policy"), "")) or (
            name == "import-result"
        ), shown.url
        assert overflow(shown) == 0, f"{name} scrolls sideways at {shown.viewport_size}"
        assert axe_violations(shown) == [], name
        screenshot(shown, name)
    assert phone.viewport_size == PHONE and page.viewport_size == OFFICE


REFUSED = {
    "police": ["/app/review", "/app/dashboard", "/app/import", "/app/import/template.xlsx"],
    "policy": ["/app/inbox", "/app/review", "/app/import", "/app/evaluate", "/app/cases"],
    "caseworker": ["/app/inbox"],
}


@pytest.mark.parametrize("who", list(REFUSED))
def test_roles_are_refused_the_pages_they_may_not_use(
    who: str, page: Page, web: WebServer, places: dict[str, str]
) -> None:
    browser_sign_in(page, web.tokens[who])
    shown = [a.get_attribute("href") for a in page.locator("nav[aria-label='主导航'] a").all()]
    for path in REFUSED[who]:
        assert path not in shown, f"{who} is offered {path}"
        response = page.goto(path)
        assert response is not None and response.status == 403, (who, path)
        assert page.locator("h1").inner_text() == "无权访问"
    if who == "policy":  # nor a referral, its slip or its moves
        for path in (places["inbox-referral"], places["print"]):
            response = page.goto(path)
            assert response is not None and response.status == 403, path
