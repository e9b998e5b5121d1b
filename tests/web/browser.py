"""Driving the Debian Chromium with Playwright: one browser per test session, a fresh context
per test that fails on any request to another host or any Content-Security-Policy violation,
axe-core injected from tests/web/vendor (never served by the app), screenshots."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Route, ViewportSize

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_URL = "/__tests__/axe.min.js"  # fulfilled by the test itself: the server has no such file
SCREENSHOTS = ROOT / "reports" / "screenshots"
PHONE: ViewportSize = {"width": 360, "height": 740}
OFFICE: ViewportSize = {"width": 1366, "height": 768}


@dataclass
class Watch:
    """What a page did that a test must fail on."""

    base_url: str
    foreign: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme == "data":
            route.continue_()
        elif f"{parts.scheme}://{parts.netloc}" != self.base_url:
            self.foreign.append(url)
            route.abort()
        elif parts.path == AXE_URL:
            route.fulfill(body=AXE.read_bytes(), content_type="application/javascript")
        else:
            route.continue_()


def open_page(
    browser: Browser, base_url: str, viewport: ViewportSize = OFFICE
) -> tuple[Page, Watch]:
    """A new context and page, watched for foreign requests and CSP violations."""
    context = browser.new_context(
        base_url=base_url, viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    watch = Watch(base_url)
    context.route("**/*", watch.route)
    page = context.new_page()

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            watch.csp.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    return page, watch


def sign_in(page: Page, token: str) -> None:
    """Sign in on /app/login as a person would."""
    page.goto("/app/login")
    page.get_by_label("令牌").fill(token)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/app/(?!login)"))


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    page.add_script_tag(url=AXE_URL)
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    return found


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    width: int = page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )
    return width


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A screenshot into reports/screenshots/<name>-<width>.png (the whole page by default)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width'] if page.viewport_size else 0}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
