"""Only ASCII digits (and X) make an ID number or a region code (issue 9, D6): Python's and
pydantic's `\\d` also match full-width ３ and Arabic-Indic ٣."""

from __future__ import annotations

import pytest

from engine import Evaluator, ProfileError
from engine.parameters import REGION_PATTERN
from engine.profile import id_number_problem
from tests.id_numbers import womans

ID = womans("430121", "19800101", 1)  # a woman's valid ID; its look-alikes differ only in digits


def _lookalikes(text: str) -> list[str]:
    fullwidth = text[:5] + chr(ord(text[5]) - ord("0") + ord("０")) + text[6:]
    arabic_indic = text[:7] + chr(ord(text[7]) - ord("0") + 0x0660) + text[8:]
    return [fullwidth, arabic_indic]


@pytest.mark.parametrize("text", _lookalikes(ID))
def test_an_id_number_with_other_digits_is_refused(text: str) -> None:
    assert id_number_problem(text) is not None
    with pytest.raises(ProfileError) as raised:
        Evaluator.validate({"id_number": text})
    assert [e.field for e in raised.value.errors] == ["id_number"]


@pytest.mark.parametrize("code", ["4３0121", "43٠121", "４３０１２１"])
def test_a_region_code_with_other_digits_is_refused(code: str) -> None:
    with pytest.raises(ProfileError) as raised:
        Evaluator.validate({"region_code": code})
    assert [e.field for e in raised.value.errors] == ["region_code"]
    assert not REGION_PATTERN.match(code)


def test_ascii_digits_still_pass() -> None:
    valid = Evaluator.validate({"id_number": ID, "region_code": "430121"})
    assert valid.region_code == "430121"
