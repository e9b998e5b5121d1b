"""The audit says who saw which case — in every listing, export, review queue and referral
list — and records every refused attempt and every summary read (issue 9, D9)."""

from __future__ import annotations

from typing import Any

from tests.access.conftest import IN_REGION, OUT_OF_REGION, World


def _audit(world: World, query: str) -> list[dict[str, Any]]:
    answer = world.call("admin", "GET", f"/v1/audit?{query}&page_size=500")
    assert answer.status_code == 200
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_every_case_shown_in_a_listing_is_findable_by_its_id(world: World) -> None:
    shown = world.new_case(IN_REGION)["id"]
    for url in (
        "/v1/cases?page_size=200",
        "/v1/referrals?page_size=200",
        "/v1/ledger/due-for-review",
        "/v1/ledger/export.csv",
    ):
        answer = world.call("caseworker", "GET", url)
        assert answer.status_code == 200 and shown in answer.text, url
    seen = {(e["actor"], e["action"]) for e in _audit(world, f"case_id={shown}")}
    assert {
        ("caseworker", "cases_listed"),
        ("caseworker", "referrals_listed"),
        ("caseworker", "review_queue_read"),
        ("caseworker", "ledger_exported"),
    } <= seen
    assert world.call("civil_affairs", "GET", "/v1/referrals").status_code == 200
    assert ("civil_affairs", "referrals_listed") in {
        (e["actor"], e["action"]) for e in _audit(world, f"case_id={shown}")
    }


def test_refused_attempts_are_audited_with_the_case_they_hit(world: World) -> None:
    outside = world.new_case(OUT_OF_REGION)
    referral = next(r["id"] for r in outside["referrals"] if r["department"] == "CIVIL_AFFAIRS")
    inside = world.new_case(IN_REGION)
    attempts = [
        ("caseworker", "GET", f"/v1/cases/{outside['id']}", None, 404),
        ("caseworker", "POST", f"/v1/cases/{outside['id']}/reassess", {}, 404),
        ("civil_affairs", "POST", f"/v1/referrals/{referral}/transitions", {"to": "accepted"}, 404),
        ("justice", "GET", f"/v1/cases/{inside['id']}", None, 404),  # not its referral
        ("policy", "GET", f"/v1/cases/{inside['id']}", None, 403),
    ]
    for who, method, url, body, status in attempts:
        kwargs = {} if body is None else {"json": body}
        assert world.call(who, method, url, **kwargs).status_code == status, (who, url)
    denied = [
        (e["actor"], e["detail"]["status"])
        for e in _audit(world, f"action=access_denied&case_id={outside['id']}")
    ]
    assert sorted(denied) == [("caseworker", 404), ("caseworker", 404), ("civil_affairs", 404)]
    assert [e["actor"] for e in _audit(world, f"action=access_denied&case_id={inside['id']}")] == [
        "justice"
    ]
    policy = _audit(world, "action=access_denied&actor=policy")
    assert policy and policy[0]["detail"]["path"] == "/v1/cases/{case_id}"


def test_the_summary_read_is_audited(world: World) -> None:
    assert world.call("policy", "GET", "/v1/reports/summary").status_code == 200
    entries = _audit(world, "action=summary_read&actor=policy")
    assert entries and entries[0]["detail"]["region"] == "430000"
