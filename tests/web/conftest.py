"""Fixtures of the browser tests: a real server (module-scoped), one Chromium per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.web.browser import ARGS, CHROMIUM, Watch, open_page
from tests.web.server import WebServer, start, stop


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The Debian Chromium, headless (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """A real server on a real SQLite ledger, for the tests of one module."""
    folder = tmp_path_factory.mktemp("web")
    server = start(folder, f"sqlite:///{folder}/guanai.db")
    yield server
    stop(server)


@pytest.fixture
def watched(browser: Browser, web: WebServer) -> Iterator[tuple[Page, Watch]]:
    """A fresh page; the test fails if it reached another host or broke the CSP."""
    page, watch = open_page(browser, web.base_url)
    yield page, watch
    page.context.close()
    assert watch.foreign == [], f"requests to other hosts: {watch.foreign}"
    assert watch.csp == [], f"Content-Security-Policy violations: {watch.csp}"
    assert watch.errors == [], f"script errors: {watch.errors}"


@pytest.fixture
def page(watched: tuple[Page, Watch]) -> Page:
    """The watched page."""
    return watched[0]
