"""Shared fixtures: the shipped policy, and the shipped policy plus the test regions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Evaluator, Policy, load_policy

FIXTURES = Path(__file__).parent / "fixtures"
REGIONS = FIXTURES / "regions"


@pytest.fixture(scope="session")
def policy() -> Policy:
    """The shipped policies with the fictitious test regions (湖南, 长沙, 甘肃) added."""
    return load_policy(extra_dirs=[REGIONS])


@pytest.fixture(scope="session")
def shipped_policy() -> Policy:
    """The shipped policies alone."""
    return load_policy()


@pytest.fixture(scope="session")
def evaluator(policy: Policy) -> Iterator[Evaluator]:
    """One evaluator over `policy`, shared by the session."""
    ev = Evaluator(policy)
    yield ev
    ev.close()
