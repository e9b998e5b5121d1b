"""Cases made through the JSON door for the browser tests to find."""

from __future__ import annotations

from typing import Any

from tests.id_numbers import womans
from tests.web import seed
from tests.web.server import REGION, WebServer


def woman(**facts: Any) -> dict[str, Any]:
    """A rural left-behind woman of the test region, aged 50 unless `facts` say otherwise."""
    return seed.woman(**{"age_years": 50, **facts})


def new_case(web: WebServer, serial: int, village: str = "光明村", **facts: Any) -> dict[str, Any]:
    """Record a case as the caseworker (POST /v1/cases)."""
    profile = {
        **woman(**facts),
        "name": facts.pop("name", "张小梅"),
        "id_number": womans(REGION, f"1975{serial % 12 + 1:02d}01", serial),
    }
    made = web.api("POST", "/v1/cases", "caseworker", json={"profile": profile, "village": village})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body
