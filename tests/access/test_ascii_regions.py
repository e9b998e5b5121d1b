"""Token regions and region filters take ASCII digits only (issue 9, D6)."""

from __future__ import annotations

import pytest

from tests.access.conftest import IN_REGION, World
from tests.engine.test_ascii_digits import ID, _lookalikes


@pytest.mark.parametrize("region", ["4３0121", "43٠121"])
def test_a_token_for_a_region_of_other_digits_is_refused(world: World, region: str) -> None:
    made = world.call(
        "root", "POST", "/v1/tokens", json={"name": "x", "role": "caseworker", "region": region}
    )
    assert made.status_code == 422, made.text


@pytest.mark.parametrize("url", ["/v1/cases?region=4３0121", "/v1/referrals?region=4３0121",
                                 "/v1/ledger/due-for-review?region=4３0121"])  # fmt: skip
def test_a_region_filter_of_other_digits_is_refused(world: World, url: str) -> None:
    assert world.call("admin", "GET", url).status_code == 422


def test_one_woman_cannot_be_registered_again_with_look_alike_digits(world: World) -> None:
    body = {"village": "光明村", "as_of": "2025-06-01"}
    first = world.call(
        "admin",
        "POST",
        "/v1/cases",
        json={"profile": {**IN_REGION, "id_number": ID}, **body},
    )
    assert first.status_code in (201, 409)
    for other in _lookalikes(ID):
        again = world.call(
            "admin",
            "POST",
            "/v1/cases",
            json={"profile": {**IN_REGION, "id_number": other}, **body},
        )
        assert again.status_code == 422, again.text
        assert again.json()["detail"][0]["field"] == "profile.id_number"
