"""Signing in and out, over HTTP against the real server: the cookie's flags, CSRF on every
form, sessions ended by signing out, by revoking the token and after 8 idle hours; security
headers on every page; roles refused the pages they may not use."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from api.main import create_app
from tests.conftest import ADMIN
from tests.web.browser import sign_in
from tests.web.cases import new_case
from tests.web.server import WebServer


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


@contextmanager
def signed_in(web: WebServer, who: str = "caseworker") -> Iterator[httpx.Client]:
    """An HTTP client holding a session cookie of `who`."""
    with httpx.Client(base_url=web.base_url, timeout=30, follow_redirects=True) as client:
        form = client.get("/app/login")
        answer = client.post(
            "/app/login",
            data={"token": web.tokens[who], "csrf_token": _csrf(form.text), "next": ""},
        )
        assert answer.status_code == 200, answer.text
        yield client


def test_the_session_cookie_is_httponly_and_samesite_strict(web: WebServer) -> None:
    with httpx.Client(base_url=web.base_url) as client:
        form = client.get("/app/login")
        answer = client.post(
            "/app/login",
            data={"token": web.tokens["caseworker"], "csrf_token": _csrf(form.text)},
            follow_redirects=False,
        )
    assert answer.status_code == 303
    cookie = next(
        v for k, v in answer.headers.multi_items() if k == "set-cookie" and "guanai_session" in v
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert web.tokens["caseworker"] not in cookie


def test_a_wrong_token_is_refused_with_the_error_summary(web: WebServer) -> None:
    with httpx.Client(base_url=web.base_url) as client:
        form = client.get("/app/login")
        answer = client.post(
            "/app/login", data={"token": "gat_nonsense", "csrf_token": _csrf(form.text)}
        )
    assert answer.status_code == 401
    assert "令牌无效或已撤销" in answer.text and 'href="#f-token"' in answer.text


def test_a_login_without_its_csrf_token_is_refused(web: WebServer) -> None:
    with httpx.Client(base_url=web.base_url) as client:
        answer = client.post("/app/login", data={"token": web.tokens["caseworker"]})
    assert answer.status_code == 403
    assert "guanai_session" not in answer.headers.get("set-cookie", "")


def test_every_form_post_without_the_session_csrf_token_is_refused(web: WebServer) -> None:
    with signed_in(web) as client:
        for path in ("/app/evaluate/panel", "/app/evaluate", "/app/logout"):
            answer = client.post(path, data={"sex": "female"})
            assert answer.status_code == 403, path
            assert "CSRF" in answer.text
        good = client.post(
            "/app/evaluate/panel", data={"csrf_token": _csrf(client.get("/app/evaluate").text)}
        )
        assert good.status_code == 200


def test_signing_out_ends_the_session_on_the_server(web: WebServer) -> None:
    with signed_in(web) as client:
        cookie = client.cookies["guanai_session"]
        token = _csrf(client.get("/app/evaluate").text)
        assert client.post("/app/logout", data={"csrf_token": token}).status_code == 200
    with httpx.Client(base_url=web.base_url, cookies={"guanai_session": cookie}) as replay:
        answer = replay.get("/app/evaluate", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/app/login")


def test_revoking_the_token_ends_its_sessions_at_once(web: WebServer) -> None:
    made = httpx.post(
        f"{web.base_url}/v1/tokens",
        json={"name": "临时", "role": "caseworker", "region": "430121"},
        headers=ADMIN,
    ).json()
    web.tokens["temporary"] = made["token"]
    with signed_in(web, "temporary") as client:
        assert client.get("/app/cases").status_code == 200
        revoked = httpx.post(f"{web.base_url}/v1/tokens/{made['id']}/revoke", headers=ADMIN)
        assert revoked.status_code in (200, 204), revoked.text
        answer = client.get("/app/cases", follow_redirects=False)
    assert answer.status_code == 303


def test_a_session_idle_for_a_working_day_has_expired(web: WebServer) -> None:
    with signed_in(web) as client:
        assert client.get("/app/cases", follow_redirects=False).status_code == 200
        stale = (datetime.now(UTC) - timedelta(hours=8, minutes=1)).replace(tzinfo=None)
        with sqlite3.connect(web.database_url.removeprefix("sqlite:///")) as db:
            db.execute("UPDATE web_sessions SET last_seen = ?", (stale.isoformat(sep=" "),))
        answer = client.get("/app/cases", follow_redirects=False)
    assert answer.status_code == 303


@pytest.mark.parametrize("path", ["/app/login", "/docs", "/redoc", "/healthz", "/app/nowhere"])
def test_security_headers_are_on_every_page(web: WebServer, path: str) -> None:
    answer = httpx.get(web.base_url + path)
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert (
        "script-src 'self';" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] in ("same-origin", "no-referrer")


def test_pages_have_no_inline_script_or_handler(web: WebServer) -> None:
    with signed_in(web) as client:
        for path in ("/app/login", "/app/evaluate", "/app/cases", "/docs", "/redoc"):
            html = client.get(path).text
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
            assert not re.search(r"\son[a-z]+\s*=", html), path
            assert "<style" not in html and "style=" not in html, path


def test_root_redirects_to_the_workbench(web: WebServer) -> None:
    answer = httpx.get(web.base_url + "/", follow_redirects=False)
    assert answer.status_code in (302, 303, 307) and answer.headers["location"] == "/app/"


def test_a_department_sees_no_intake_and_is_refused_it(page: Page, web: WebServer) -> None:
    sign_in(page, web.tokens["police"])
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="评估")).to_have_count(0)
    expect(nav.get_by_role("link", name="台账")).to_have_count(0)
    for path in ("/app/evaluate", "/app/cases"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 403, path
        expect(page.locator("h1")).to_have_text("无权访问")


def test_a_policy_officer_is_refused_cases(web: WebServer) -> None:
    with signed_in(web, "policy") as client:
        assert client.get("/app/cases", follow_redirects=False).status_code == 403
        assert client.get("/app/cases/export.xlsx", follow_redirects=False).status_code == 403


def test_a_department_opens_a_case_referred_to_it_minimised(page: Page, web: WebServer) -> None:
    case = new_case(
        web, 61, name="吴秀英", rights_infringed=True, infringement_types=["domestic_violence"],
        domestic_violence_ongoing=True,
    )  # fmt: skip
    sign_in(page, web.tokens["police"])
    answer = page.goto(f"/app/cases/{case['id']}")
    assert answer is not None and answer.status == 200
    expect(page.locator("#case-name")).to_have_text("吴*英")
    expect(page.get_by_role("button", name="显示全名")).to_have_count(0)
    expect(page.get_by_role("link", name="修改画像")).to_have_count(0)
    expect(page.locator(".referral")).to_contain_text("公安机关")
    refused = page.request.post(f"/app/cases/{case['id']}/reveal", form={"csrf_token": "x"})
    assert refused.status == 403


def test_the_access_log_never_holds_a_searched_name() -> None:
    create_app()
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/app/cases?q=%E7%8E%8B%E5%B0%8F%E7%BA%A2", "1.1", 200), None,
    )  # fmt: skip
    for f in logging.getLogger("uvicorn.access").filters:
        assert not isinstance(f, logging.Filter) or f.filter(record)
    assert "%E7%8E%8B" not in record.getMessage()
    assert "/app/cases?…" in record.getMessage()


@pytest.mark.parametrize(
    ("asked", "lands"),
    [
        ("/app/cases?village=光明村", "/app/cases?village="),
        ("//evil.example/app/", "/app/evaluate"),
    ],
)
def test_sign_in_returns_to_the_page_asked_for_and_never_to_another_host(
    web: WebServer, asked: str, lands: str
) -> None:
    with httpx.Client(base_url=web.base_url) as client:
        first = client.get("/app/cases", follow_redirects=False)
        assert first.headers["location"] == "/app/login?next=%2Fapp%2Fcases"
        form = client.get("/app/login", params={"next": asked})
        answer = client.post(
            "/app/login",
            data={"token": web.tokens["caseworker"], "csrf_token": _csrf(form.text), "next": asked},
            follow_redirects=False,
        )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(lands)
