"""A conflict with a case outside the caller's region names no case and no region, is the
same answer whatever its cause, and is audited (issue 9, D4)."""

from __future__ import annotations

from typing import Any

from tests.access.conftest import IN_REGION, OUT_OF_REGION, World
from tests.ledger.conftest import id_number

CASE = {"village": "光明村", "as_of": "2025-06-01"}


def test_conflicts_with_a_case_outside_the_region_reveal_nothing(world: World) -> None:
    her_id = id_number(321, born="19790808")
    key = "out-of-region-key-1"
    elsewhere = world.call(
        "admin",
        "POST",
        "/v1/cases",
        json={"profile": {**OUT_OF_REGION, "id_number": her_id}, **CASE},
        headers={"Idempotency-Key": key},
    )
    assert elsewhere.status_code == 201
    hidden_id = elsewhere.json()["id"]
    mine = world.new_case(IN_REGION)

    def as_caseworker(method: str, url: str, profile: dict[str, Any], **kw: Any) -> Any:
        body = {"profile": profile, **CASE} if method == "POST" else {"profile": profile}
        return world.call("caseworker", method, url, json=body, **kw)

    answers = [
        as_caseworker("POST", "/v1/cases", {**IN_REGION, "id_number": her_id}),
        as_caseworker(
            "PUT",
            f"/v1/cases/{mine['id']}/profile",
            {**IN_REGION, "id_number": her_id},
            headers={"If-Match": "1"},
        ),
        as_caseworker("POST", "/v1/cases", IN_REGION, headers={"Idempotency-Key": key}),
    ]
    assert [a.status_code for a in answers] == [409, 409, 409], [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    text = answers[0].text
    assert hidden_id not in text and "620" not in text and "case_id" not in text

    audited = world.call("admin", "GET", f"/v1/audit?case_id={hidden_id}&page_size=50").json()
    hidden = [e for e in audited["items"] if e["action"] == "conflict_hidden"]
    assert [(e["actor"], e["detail"]["cause"]) for e in reversed(hidden)] == [
        ("caseworker", "id_number"),
        ("caseworker", "id_number"),
        ("caseworker", "idempotency_key"),
    ]


def test_a_conflict_inside_the_region_still_names_the_case(world: World) -> None:
    her_id = id_number(322, born="19790808")
    first = world.call(
        "caseworker",
        "POST",
        "/v1/cases",
        json={"profile": {**IN_REGION, "id_number": her_id}, **CASE},
    )
    again = world.call(
        "caseworker",
        "POST",
        "/v1/cases",
        json={"profile": {**IN_REGION, "id_number": her_id}, **CASE},
    )
    assert again.status_code == 409
    assert again.json()["detail"]["case_id"] == first.json()["id"]
