"""Hooks for the schemathesis run (SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks): the
`resident-id` string format of /openapi.json, so that the ID numbers it generates are ones
the schema means (18 characters whose last one checks the rest, GB 11643); and a stated sex
made the one such a number shows (its 17th digit: odd a man, even a woman); and a
caseworker or department token without a region asked for as nationwide — rules between two
fields that the schema does not say and the service enforces."""

from __future__ import annotations

from datetime import date
from typing import Any

import schemathesis
from hypothesis import strategies as st

from engine.profile import id_number_problem, sex_of_id_number
from tests.id_numbers import with_check


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    """A well-formed resident ID number: an area, a birth date, a serial, the check."""
    area = draw(st.sampled_from(["430121", "110101", "620102", "430102"]))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
    serial = draw(st.integers(min_value=0, max_value=999))
    return with_check(f"{area}{born:%Y%m%d}{serial:03d}")


schemathesis.openapi.format("resident-id", resident_ids())


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """A profile whose stated sex and valid ID number disagree gets the number's sex; a
    regional token without a region is asked for as nationwide: what else made the case
    (valid or not) is left as it was."""
    body = case.body
    regional = isinstance(body, dict) and body.get("role") in ("caseworker", "department")
    if regional and body.get("region") is None and "name" in body:  # POST /v1/tokens
        body["national"] = True
    profile = body.get("profile") if isinstance(body, dict) else None
    if isinstance(profile, dict):
        number = profile.get("id_number")
        stated = profile.get("sex") in ("female", "male")
        if stated and isinstance(number, str) and id_number_problem(number) is None:
            profile["sex"] = sex_of_id_number(number)
    return case
