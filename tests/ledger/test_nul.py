"""A NUL character anywhere in a request is a 422 naming the field — never a 500, on either
database (issue 9, D12; PostgreSQL cannot store a NUL)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import AppClient
from tests.ledger.conftest import create, woman

NUL = "\u0000"


def _fields(answer: Any) -> list[str]:
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "validation_error"
    return [p["field"] for p in answer.json()["detail"]]


def test_nul_in_a_body_names_the_field(ledger_client: AppClient) -> None:
    case_id = create(ledger_client, woman(age_years=40))["id"]
    base = {"village": "光明村", "as_of": "2025-06-01"}
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", "/v1/cases", {"profile": woman(name="李" + NUL), **base}, "profile.name"),
        ("POST", "/v1/cases", {"profile": woman(), **base, "village": "光" + NUL}, "village"),
        ("POST", f"/v1/cases/{case_id}/close", {"note": "迁出" + NUL}, "note"),
        ("POST", "/v1/tokens", {"name": "x" + NUL, "role": "policy"}, "name"),
        ("POST", "/v1/eligibility", {"profile": woman(name=NUL)}, "profile.name"),
    ]
    for method, url, body, field in cases:
        assert _fields(ledger_client.request(method, url, json=body)) == [field], url
    made = ledger_client.get(f"/v1/cases/{case_id}").json()
    referral = made["referrals"][0]["id"] if made["referrals"] else None
    if referral:
        moved = ledger_client.post(
            f"/v1/referrals/{referral}/transitions", json={"to": "declined", "note": NUL}
        )
        assert _fields(moved) == ["note"]
    assert made["status"] == "open"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/v1/cases/abc%00def", "path"),
        ("/v1/referrals/%00", "path"),
        ("/v1/cases?village=%E5%85%89%00", "query.village"),
        ("/v1/cases?q=%00", "query.q"),
        ("/v1/audit?actor=a%00", "query.actor"),
    ],
)
def test_nul_in_a_path_or_query_names_it(ledger_client: AppClient, url: str, field: str) -> None:
    assert _fields(ledger_client.get(url)) == [field]
