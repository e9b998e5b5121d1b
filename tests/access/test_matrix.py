"""Every route × every role × in and out of the principal's region: the exact status code,
and for reads that are allowed, which fields are shown."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from engine import load_policy
from tests.access.conftest import IN_REGION, OUT_OF_REGION, PRINCIPALS, World

WHO = [None, *PRINCIPALS]  # None: no token
CASE = {"village": "光明村", "as_of": "2025-06-01"}
CLOSE = {"note": "迁出本县"}


def _all(status: int, **overrides: int) -> dict[str | None, int]:
    """`status` for every principal, 401 without a token, with `overrides`."""
    table: dict[str | None, int] = dict.fromkeys(PRINCIPALS, status)
    table[None] = 401
    table.update(overrides)
    return table


DEPARTMENTS_403 = {"civil_affairs": 403, "justice": 403}
# (method, path, body, headers, expected status per principal)
ROUTES: list[tuple[str, str, Any, dict[str, str], dict[str | None, int]]] = [
    ("GET", "/healthz", None, {}, {**_all(200), None: 200}),
    (
        "POST",
        "/v1/eligibility",
        {"profile": IN_REGION},
        {},
        _all(200, **DEPARTMENTS_403, policy=403),
    ),
    ("GET", "/v1/catalog", None, {}, _all(200)),
    ("GET", "/v1/policies", None, {}, _all(200)),
    ("POST", "/v1/policies/reload", {}, {}, _all(403, admin=200)),
    ("GET", "/v1/policies/versions", None, {}, _all(200)),
    ("GET", "/v1/policies/impact/no-such-job", None, {}, _all(403, admin=404, policy=404)),
    ("POST", "/v1/cases", {"profile": IN_REGION, **CASE}, {}, _all(403, admin=201, caseworker=201)),
    ("POST", "/v1/cases", {"profile": OUT_OF_REGION, **CASE}, {}, _all(403, admin=201)),
    ("GET", "/v1/cases", None, {}, _all(403, admin=200, caseworker=200)),
    ("GET", "/v1/cases/{in_case}", None, {}, _all(200, justice=404, policy=403)),
    ("GET", "/v1/cases/{out_case}", None, {}, _all(404, admin=200, policy=403)),
    (
        "PUT",
        "/v1/cases/{in_case}/profile",
        {"profile": IN_REGION},
        {"If-Match": "1"},
        _all(403, admin=200, caseworker=200),
    ),
    (
        "PUT",
        "/v1/cases/{out_case}/profile",
        {"profile": OUT_OF_REGION},
        {"If-Match": "1"},
        _all(403, admin=200, caseworker=404),
    ),
    ("POST", "/v1/cases/{in_case}/reassess", {}, {}, _all(403, admin=200, caseworker=200)),
    ("POST", "/v1/cases/{out_case}/reassess", {}, {}, _all(403, admin=200, caseworker=404)),
    ("POST", "/v1/cases/{in_case}/close", CLOSE, {}, _all(403, admin=200, caseworker=200)),
    ("POST", "/v1/cases/{out_case}/close", CLOSE, {}, _all(403, admin=200, caseworker=404)),
    # reopening an open case is a 409 for whoever may reopen it
    ("POST", "/v1/cases/{in_case}/reopen", CLOSE, {}, _all(403, admin=409, caseworker=409)),
    ("POST", "/v1/cases/{out_case}/reopen", CLOSE, {}, _all(403, admin=409, caseworker=404)),
    ("GET", "/v1/referrals", None, {}, _all(200, policy=403)),
    (
        "POST",
        "/v1/referrals/{in_ref}/transitions",
        {"to": "accepted"},
        {},
        _all(403, admin=200, civil_affairs=200, justice=404),
    ),
    (
        "POST",
        "/v1/referrals/{in_ref}/transitions",
        {"to": "withdrawn"},
        {},
        _all(403, admin=200, caseworker=200, justice=404),
    ),
    (
        "POST",
        "/v1/referrals/{out_ref}/transitions",
        {"to": "accepted"},
        {},
        _all(404, admin=200, policy=403),
    ),
    ("GET", "/v1/ledger/due-for-review", None, {}, _all(403, admin=200, caseworker=200)),
    ("GET", "/v1/reports/summary", None, {}, _all(200, **DEPARTMENTS_403)),
    ("GET", "/v1/ledger/export.csv", None, {}, _all(403, admin=200, caseworker=200)),
    ("GET", "/v1/audit", None, {}, _all(403, admin=200)),
    ("GET", "/v1/tokens", None, {}, _all(403, admin=200)),
    ("POST", "/v1/tokens", {"name": "新人", "role": "policy"}, {}, _all(403, admin=201)),
    ("POST", "/v1/tokens/{token}/revoke", {}, {}, _all(403, admin=200)),
    ("GET", "/docs", None, {}, {**_all(200), None: 200}),
    ("GET", "/openapi.json", None, {}, {**_all(200), None: 200}),
]
CASES = [
    pytest.param(i, who, id=f"{method} {path} as {who or 'nobody'}")
    for i, (method, path, _, _, _) in enumerate(ROUTES)
    for who in WHO
]


def _civil_referral(case: dict[str, Any]) -> str:
    (referral,) = [r for r in case["referrals"] if r["department"] == "CIVIL_AFFAIRS"]
    return str(referral["id"])


@pytest.mark.parametrize(("route", "who"), CASES)
def test_status_of_every_route_for_every_role(world: World, route: int, who: str | None) -> None:
    method, path, body, headers, expected = ROUTES[route]
    inside, outside = world.new_case(IN_REGION), world.new_case(OUT_OF_REGION)
    victim = world.call("root", "POST", "/v1/tokens", json={"name": "待撤销", "role": "policy"})
    url = path.format(
        in_case=inside["id"],
        out_case=outside["id"],
        in_ref=_civil_referral(inside),
        out_ref=_civil_referral(outside),
        token=victim.json()["id"],
    )
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    response = world.call(who, method, url, **kwargs)
    assert response.status_code == expected[who], response.text
    if response.status_code >= 400:
        assert set(response.json()) == {"error", "detail"}
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"


FULL_CASE = {
    "id",
    "number",
    "region_code",
    "village",
    "identity",
    "status",
    "version",
    "hardship",
    "next_review_due",
    "created_at",
    "updated_at",
    "profile",
    "assessments",
    "referrals",
}
DEPARTMENT_CASE = {
    "id",
    "region_code",
    "village",
    "identity",
    "status",
    "profile",
    "results",
    "referrals",
}


class TestWhatEachRoleSees:
    @pytest.mark.parametrize("who", ["admin", "caseworker"])
    def test_caseworkers_and_admins_see_the_whole_case(self, world: World, who: str) -> None:
        case = world.new_case({**IN_REGION, "name": "王小红"})
        shown = world.call(who, "GET", f"/v1/cases/{case['id']}").json()
        assert set(shown) == FULL_CASE
        assert shown["identity"]["name"] == "王*红"
        assert shown["profile"]["household_income_pc_monthly"] == 500

    def test_a_department_sees_only_the_facts_its_referred_codes_read(self, world: World) -> None:
        case = world.new_case({**IN_REGION, "name": "王小红"})
        shown = world.call("civil_affairs", "GET", f"/v1/cases/{case['id']}").json()
        assert set(shown) == DEPARTMENT_CASE
        referred = {c for r in shown["referrals"] for c in r["codes"]}
        assert {r["department"] for r in shown["referrals"]} == {"CIVIL_AFFAIRS"}
        assert {r["code"] for r in shown["results"]} == referred
        allowed = set(load_policy().facts_read_by(referred))
        assert set(shown["profile"]) <= allowed
        assert "household_income_pc_monthly" in shown["profile"]  # REFER_DIBAO reads it
        assert shown["identity"] == {"name": "王*红", "id_last4": None}

    def test_a_department_never_sees_facts_outside_its_codes(self, world: World) -> None:
        case = world.new_case({**IN_REGION, "has_legal_matter": True, "age_years": 45})
        justice = world.call("justice", "GET", f"/v1/cases/{case['id']}").json()
        assert set(justice) == DEPARTMENT_CASE
        assert "household_income_pc_monthly" not in justice["profile"]  # LEGAL_AID does not read it
        assert "has_legal_matter" in justice["profile"]

    def test_lists_are_cut_to_the_principals_region_and_department(self, world: World) -> None:
        world.new_case(IN_REGION)
        world.new_case(OUT_OF_REGION)
        cases = world.call("caseworker", "GET", "/v1/cases?page_size=200").json()["items"]
        assert cases and all(c["region_code"].startswith("4301") for c in cases)
        wider = world.call("caseworker", "GET", "/v1/cases?region=620000").json()
        assert wider["total"] == 0
        referrals = world.call(
            "civil_affairs", "GET", "/v1/referrals?department=HEALTH&page_size=200"
        ).json()["items"]
        assert referrals and {r["department"] for r in referrals} == {"CIVIL_AFFAIRS"}
        assert all(r["region_code"].startswith("4301") for r in referrals)
        export = world.call("caseworker", "GET", "/v1/ledger/export.csv")
        rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))[1:]
        assert rows and all(row[1].startswith("4301") for row in rows)

    def test_policy_staff_see_only_aggregates(self, world: World) -> None:
        report = world.call("policy", "GET", "/v1/reports/summary").json()
        assert set(report) == {
            "region",
            "as_of",
            "cases",
            "classifications",
            "codes",
            "referrals",
            "overdue_reviews",
            "suppressed_below",  # counts from 1 to 4 are null for the policy role
        }
        assert report["suppressed_below"] == 5
        assert report["region"] == "430000"
