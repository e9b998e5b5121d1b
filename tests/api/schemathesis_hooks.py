"""Hooks for the schemathesis run (SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks): the
`resident-id` string format of /openapi.json, so that the ID numbers it generates are ones
the schema means (18 characters whose last one checks the rest, GB 11643)."""

from __future__ import annotations

from datetime import date

import schemathesis
from hypothesis import strategies as st

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _with_check(body: str) -> str:
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    """A well-formed resident ID number: an area, a birth date, a serial, the check."""
    area = draw(st.sampled_from(["430121", "110101", "620102", "430102"]))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
    serial = draw(st.integers(min_value=0, max_value=999))
    return _with_check(f"{area}{born:%Y%m%d}{serial:03d}")


schemathesis.openapi.format("resident-id", resident_ids())
