"""A generated ledger for the impact tests and benchmark: N open cases, fast.

Core bulk inserts (no ORM objects, no evaluation): each case gets one profile version drawn by
tests/profiles.py, mostly rural left-behind women, in a few fictitious test regions and
villages. No name, no ID number.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert

from engine import Policy
from ledger.models import Case, ProfileVersion
from tests.profiles import random_profile

REGIONS = ["430121", "430102", "430181", "620102", "620321", "110101"]
VILLAGES = ["光明村", "新华村", "红星村", "团结村", "永丰村", "和平村", "东风村", "向阳村"]
BATCH = 5000


def _rows(count: int, seed: int, policy: Policy) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    rng = random.Random(seed)
    stamp = datetime.now(UTC)
    has_number = "number" in Case.__table__.c  # type: ignore[attr-defined]
    for index in range(count):
        profile = random_profile(rng, policy, unknown_rate=0.15)
        region = rng.choice(REGIONS)
        profile.update(region_code=region, sex="female")
        for identity in ("name", "id_number"):
            profile.pop(identity, None)
        case_id = uuid.UUID(int=rng.getrandbits(128)).hex
        case: dict[str, Any] = {
            "id": case_id,
            "region_code": region,
            "village": rng.choice(VILLAGES),
            "status": "open",
            "version": 1,
            "hardship": False,
            "created_at": stamp,
            "updated_at": stamp,
        }
        if has_number:
            case["number"] = f"{region}-2025-{index + 1:06d}"
        version = {
            "case_id": case_id,
            "version": 1,
            "profile": profile,
            "created_at": stamp,
            "actor": "bench",
        }
        yield case, version


def generate(engine: Engine, count: int, policy: Policy, seed: int = 13) -> int:
    """Insert `count` open cases with one profile each; returns how many."""
    cases = Case.__table__  # type: ignore[attr-defined]
    versions = ProfileVersion.__table__  # type: ignore[attr-defined]
    batch_cases: list[dict[str, Any]] = []
    batch_versions: list[dict[str, Any]] = []

    def flush() -> None:
        with engine.begin() as connection:
            connection.execute(insert(cases), batch_cases)
            connection.execute(insert(versions), batch_versions)
        batch_cases.clear()
        batch_versions.clear()

    for case, version in _rows(count, seed, policy):
        batch_cases.append(case)
        batch_versions.append(version)
        if len(batch_cases) >= BATCH:
            flush()
    if batch_cases:
        flush()
    return count
