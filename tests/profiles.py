"""Seeded random profiles covering every fact of the catalog, unknowns included.

Used by the agreement, concurrency and memory tests and by bench/. Values cluster on the
boundaries the rules test (ages 34/35/59/60/64/65, 5/6 months, incomes at the 低保 standard
and 1.5 times it) so that every branch is reached often.
"""

from __future__ import annotations

import random
from typing import Any

from engine import Policy

REGIONS = [None, "430121", "430102", "430000", "620102", "110101"]
_BOUNDARY_INTS = {
    "age_years": [18, 34, 35, 45, 59, 60, 64, 65, 70, 85],
    "husband_away_continuous_months": [0, 3, 5, 6, 7, 12, 24],
}
_BOUNDARY_NUMBERS = [0, 299.5, 549.99, 550, 599.99, 600, 650, 824.99, 825, 899.99, 900, 975, 1200]


def random_profile(
    rng: random.Random, policy: Policy, unknown_rate: float = 0.25
) -> dict[str, Any]:
    """One profile: each fact absent with `unknown_rate`, otherwise a valid value."""
    profile: dict[str, Any] = {}
    for name, fact in policy.catalog.facts.items():
        if name == "region_code":
            region = rng.choice(REGIONS)
            if region is not None:
                profile[name] = region
            continue
        if rng.random() < unknown_rate:
            continue
        if fact.type == "boolean":
            profile[name] = rng.random() < 0.5
        elif fact.type == "enum":
            profile[name] = rng.choice(list(fact.values or {}))
        elif fact.type == "list":
            values = list(fact.values or {})
            profile[name] = rng.sample(values, k=rng.choice([0, 0, 1, 1, 2, 3]))
        elif fact.type == "integer":
            if fact.values:
                profile[name] = int(rng.choice(list(fact.values)))
            else:
                profile[name] = rng.choice(_BOUNDARY_INTS.get(name, [0, 1, 5, 10, 40]))
        elif fact.type == "number":
            if name.endswith("_12m"):
                profile[name] = rng.choice([0, 5000, 7000, 10000, 20000])
            else:
                profile[name] = rng.choice(_BOUNDARY_NUMBERS)
    # most generated women are left-behind candidates, so the deeper rules are reached
    if rng.random() < 0.6:
        profile.setdefault("sex", "female")
        profile.update(marital_status="married", husband_away=True)
    return profile


def profiles(count: int, seed: int, policy: Policy) -> list[dict[str, Any]]:
    """`count` reproducible profiles."""
    rng = random.Random(seed)
    return [random_profile(rng, policy) for _ in range(count)]
