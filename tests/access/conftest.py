"""Principals of every role, a case inside their region and one outside it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from api.main import create_app
from api.settings import Settings
from tests.api.conftest import AppClient
from tests.conftest import ADMIN, REGIONS
from tests.ledger.conftest import DISABLED_LOW_INCOME, SECRET

# who may act, by name: (role, region, department)
PRINCIPALS: dict[str, tuple[str, str | None, str | None]] = {
    "admin": ("admin", None, None),
    "caseworker": ("caseworker", "430100", None),
    "civil_affairs": ("department", "430100", "CIVIL_AFFAIRS"),
    "justice": ("department", "430100", "JUSTICE"),
    "policy": ("policy", "430000", None),
}
IN_REGION = {**DISABLED_LOW_INCOME, "region_code": "430121"}
OUT_OF_REGION = {**DISABLED_LOW_INCOME, "region_code": "620102"}


@dataclass
class World:
    """The app (one client, no default token), a token per principal."""

    client: AppClient
    tokens: dict[str, str]

    def call(self, who: str | None, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request as `who` (None: no token at all)."""
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.request(method, url, headers=headers, **kwargs)

    def new_case(self, profile: dict[str, Any]) -> dict[str, Any]:
        """A fresh case recorded by the admin; its body."""
        response = self.call(
            "admin",
            "POST",
            "/v1/cases",
            json={"profile": profile, "village": "光明村", "as_of": "2025-06-01"},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One app on an SQLite ledger, with a token for every principal."""
    folder = tmp_path_factory.mktemp("access")
    settings = Settings(
        database_url=f"sqlite:///{folder}/ledger.db", policy_paths=[REGIONS], identity_secret=SECRET
    )
    with AppClient(create_app(settings), headers={}) as client:
        tokens = {"root": ADMIN["Authorization"].removeprefix("Bearer ")}
        world = World(client, tokens)
        for who, (role, region, department) in PRINCIPALS.items():
            response = world.call(
                "root",
                "POST",
                "/v1/tokens",
                json={"name": who, "role": role, "region": region, "department": department},
            )
            assert response.status_code == 201, response.text
            tokens[who] = response.json()["token"]
        yield world
