"""No leaks (sentinels planted in profiles never reach logs or the unentitled) and the audit
log records who saw what — on SQLite and PostgreSQL, over a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.access.conftest import PRINCIPALS
from tests.api.conftest import Server, start_server, stop_server
from tests.conftest import ADMIN, REGIONS
from tests.ledger.conftest import SECRET, id_number, woman

SENTINEL_NAME = "哨兵甲乙丙"
SENTINEL_ID = id_number(987, born="19750312")
SENTINEL_INCOME = 432.17  # read by 低保 rules (民政), not by 法律援助 (司法) or 两癌 (卫健)
Seen = dict[str, list[tuple[str, int, str]]]  # principal → (request, status, body)
PROFILE = woman(
    name=SENTINEL_NAME,
    id_number=SENTINEL_ID,
    household_income_pc_monthly=SENTINEL_INCOME,
    has_legal_matter=True,
)


@pytest.fixture
def walk(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, Seen]]:
    """A real server on a fresh ledger; every route walked by every principal. Returns the
    server and, per principal, the text of every response it received."""
    server = start_server(
        tmp_path / "server.log",
        str(REGIONS),
        env={"DATABASE_URL": database_url, "IDENTITY_SECRET": SECRET},
    )
    seen: Seen = {}
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            tokens = {}
            for who, (role, region, department) in PRINCIPALS.items():
                made = http.post(
                    "/v1/tokens",
                    headers=ADMIN,
                    json={"name": who, "role": role, "region": region, "department": department},
                )
                tokens[who] = made.json()["token"]
            created = http.post(
                "/v1/cases", headers=ADMIN, json={"profile": PROFILE, "village": "光明村"}
            ).json()
            case_id = created["id"]
            referral = next(
                r["id"] for r in created["referrals"] if r["department"] == "CIVIL_AFFAIRS"
            )
            requests: list[tuple[str, str, Any]] = [
                ("GET", "/v1/cases", None),
                ("GET", f"/v1/cases/{case_id}", None),
                ("GET", "/v1/referrals", None),
                ("GET", "/v1/reports/summary", None),
                ("GET", "/v1/ledger/due-for-review", None),
                ("GET", "/v1/ledger/export.csv", None),
                ("GET", "/v1/audit", None),
                ("POST", "/v1/eligibility", {"profile": PROFILE}),
                ("POST", f"/v1/cases/{case_id}/reassess", {}),
                ("POST", f"/v1/referrals/{referral}/transitions", {"to": "accepted"}),
                ("PUT", f"/v1/cases/{case_id}/profile", {"profile": {**PROFILE, "age_years": "x"}}),
                ("POST", "/v1/cases", {"profile": {**PROFILE, "favourite": 1}, "village": "x"}),
            ]
            everyone: list[str | None] = [*PRINCIPALS, None]
            for actor in everyone:
                headers = {"Authorization": f"Bearer {tokens[actor]}"} if actor else {}
                for method, url, body in requests:
                    extra = {"If-Match": "1"} if method == "PUT" else {}
                    response = http.request(method, url, json=body, headers={**headers, **extra})
                    seen.setdefault(actor or "nobody", []).append(
                        (f"{method} {url}", response.status_code, response.text)
                    )
        yield server, seen
    finally:
        stop_server(server)


def test_sentinels_never_reach_the_log_or_a_principal_not_entitled(
    walk: tuple[Server, Seen],
) -> None:
    server, seen = walk
    log = server.log()
    assert "GET /v1/cases" in log  # the log was captured
    for sentinel in (SENTINEL_NAME, SENTINEL_ID, str(SENTINEL_INCOME)):
        assert sentinel not in log
    for who, answers in seen.items():
        for request, status, text in answers:
            assert SENTINEL_NAME not in text, (who, request)  # names are always masked
            assert SENTINEL_ID not in text, (who, request)  # the ID is never kept
            if who not in ("admin", "caseworker", "civil_affairs") or status >= 400:
                assert str(SENTINEL_INCOME) not in text, (who, request)
    # the entitled did get the value: the check above is not vacuous
    assert any(str(SENTINEL_INCOME) in t for _, _, t in seen["civil_affairs"])
    assert any(str(SENTINEL_INCOME) in t for _, _, t in seen["admin"])


def test_the_audit_log_records_who_saw_which_fields(
    walk: tuple[Server, Seen],
) -> None:
    server, _ = walk
    with httpx.Client(base_url=server.base_url, timeout=30, headers=ADMIN) as http:
        reads = http.get("/v1/audit?action=case_read&page_size=500").json()["items"]
        by_actor = {e["actor"]: e for e in reads}
        assert set(by_actor) == {"admin", "caseworker", "civil_affairs", "justice"}  # not policy
        assert "profile.has_legal_matter" in by_actor["justice"]["fields"]  # LEGAL_AID reads it
        assert "profile.household_income_pc_monthly" not in by_actor["justice"]["fields"]
        assert "profile.household_income_pc_monthly" in by_actor["caseworker"]["fields"]
        assert "assessments" in by_actor["caseworker"]["fields"]
        assert "assessments" not in by_actor["civil_affairs"]["fields"]
        assert by_actor["civil_affairs"]["role"] == "department"
        actions = {e["action"] for e in http.get("/v1/audit?page_size=500").json()["items"]}
        assert {
            "case_created",
            "case_read",
            "cases_listed",
            "ledger_exported",
            "case_reassessed",
            "referral_transition",
            "token_created",
        } <= actions
        mine = http.get("/v1/audit?actor=civil_affairs&page_size=500").json()["items"]
        assert mine and all(e["actor"] == "civil_affairs" for e in mine)
        log = http.get("/v1/audit?page_size=500").text
        assert SENTINEL_NAME not in log and str(SENTINEL_INCOME) not in log
        # the log cannot be changed or deleted through the service
        assert http.delete("/v1/audit").status_code == 405
        assert http.put("/v1/audit", json={}).status_code == 405
        entry = reads[0]["id"]
        assert http.delete(f"/v1/audit/{entry}").status_code == 404
