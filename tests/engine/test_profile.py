"""The profile is strict: wrong types and unknown fields are refused, naming the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from engine import Evaluator, ProfileError
from engine.profile import Profile, completed_years, id_number_problem
from tests.id_numbers import mans, womans

VALID_ID = "11010519491231002X"  # the GB 11643 example: born 1949-12-31


@pytest.mark.parametrize(
    ("profile", "field", "zh"),
    [
        ({"favourite_colour": "red"}, "favourite_colour", "不允许的字段"),
        ({"household_income_pc_monthly": False}, "household_income_pc_monthly", "应为数字"),
        ({"age_years": "12"}, "age_years", "应为整数"),
        ({"age_years": 35.0}, "age_years", "应为整数"),
        ({"disability_grade": True}, "disability_grade", "应为整数"),
        ({"disability_grade": 5}, "disability_grade", "不能大于 4"),
        ({"husband_away": 1}, "husband_away", "应为 true 或 false"),
        ({"sex": "woman"}, "sex", "取值不在允许范围内"),
        ({"infringement_types": ["abuse", "gossip"]}, "infringement_types.1", "取值不在允许范围内"),
        ({"region_code": "43012"}, "region_code", "6位数字"),
        ({"id_number": "1101051949"}, "id_number", "17位数字"),
        ({"birth_date": 0}, "birth_date", "应为日期"),
        ({"birth_date": "2000-01-01T00:00:00"}, "birth_date", "应为日期"),
        ({"id_number": "110105194912310021"}, "id_number", "校验位不正确"),
        ({"birth_date": "1980-13-01"}, "birth_date", "真实存在的日期"),
        ({"household_income_pc_monthly": -1}, "household_income_pc_monthly", "不能小于 0"),
    ],
)
def test_bad_input_is_rejected_naming_the_field_in_chinese_and_english(
    profile: dict[str, Any], field: str, zh: str
) -> None:
    with pytest.raises(ProfileError) as caught:
        Evaluator.validate(profile)
    errors = {e.field: e for e in caught.value.errors}
    assert field in errors
    assert zh in errors[field].zh
    assert errors[field].en


def test_a_profile_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(ProfileError) as caught:
        Evaluator.validate(["not", "an", "object"])  # type: ignore[arg-type]
    assert caught.value.errors[0].zh == "应为 JSON 对象"


def test_null_means_absent() -> None:
    assert Profile.model_validate({"age_years": None}).facts(date(2025, 6, 1)) == {}


def test_resident_id_check_digit_is_verified() -> None:
    assert id_number_problem(VALID_ID) is None
    assert id_number_problem(VALID_ID[:-1] + "1") == "check digit does not match"
    assert id_number_problem("11010519491331002X") is not None  # month 13


def test_age_comes_from_birth_date_then_id_number_in_completed_years() -> None:
    born = Profile(birth_date=date(1990, 6, 2))
    assert born.age_on(date(2025, 6, 1)) == 34
    assert born.age_on(date(2025, 6, 2)) == 35
    assert Profile(id_number=VALID_ID).age_on(date(2025, 12, 30)) == 75
    assert Profile(id_number=VALID_ID).age_on(date(2025, 12, 31)) == 76
    assert Profile(age_years=40, birth_date=date(1990, 1, 1)).age_on(date(2025, 6, 1)) == 40
    assert completed_years(date(2000, 2, 29), date(2025, 2, 28)) == 24


def test_identity_never_reaches_the_facts_rules_read() -> None:
    facts = Profile(name="张小梅", id_number=VALID_ID, birth_date=date(1949, 12, 31)).facts(
        date(2025, 6, 1)
    )
    assert facts == {"age_years": 75, "sex": "female"}  # sex: derived from the ID number


MANS_ID = mans("430121", "19900601", 61)  # sequence code 123: 3 is odd, a man's
WOMANS_ID = womans("430121", "19900601", 62)  # sequence code 124: 4 is even, a woman's


def test_sex_not_stated_comes_from_the_id_numbers_17th_digit() -> None:
    assert Evaluator.validate({"id_number": VALID_ID}).sex == "female"  # …002X: 2 is even
    assert Evaluator.validate({"id_number": WOMANS_ID}).sex == "female"
    assert Evaluator.validate({"id_number": MANS_ID}).sex == "male"
    assert Evaluator.validate({"id_number": MANS_ID}).facts(date(2025, 6, 1))["sex"] == "male"
    assert Evaluator.validate({"id_number": MANS_ID, "sex": None}).sex == "male"  # null: unstated


@pytest.mark.parametrize(
    ("number", "sex"), [(WOMANS_ID, "female"), (VALID_ID, "female"), (MANS_ID, "male")]
)
def test_a_stated_sex_the_id_number_agrees_with_is_kept(number: str, sex: str) -> None:
    assert Evaluator.validate({"id_number": number, "sex": sex}).sex == sex


@pytest.mark.parametrize(("number", "sex"), [(MANS_ID, "female"), (WOMANS_ID, "male")])
def test_a_stated_sex_the_id_number_contradicts_is_refused_naming_sex(
    number: str, sex: str
) -> None:
    with pytest.raises(ProfileError) as caught:
        Evaluator.validate({"id_number": number, "sex": sex, "age_years": 35})
    assert [e.as_dict() for e in caught.value.errors] == [
        {
            "field": "sex",
            "zh": "与身份证号（第17位）所示的性别不一致",
            "en": "contradicts the sex shown by the ID number (its 17th digit)",
        }
    ]
    assert number not in str(caught.value) and number[-4:] not in str(caught.value)
    with pytest.raises(ValidationError) as raw:  # pydantic's own text names no ID either
        Profile.model_validate({"id_number": number, "sex": sex})
    assert number not in str(raw.value) and number not in repr(raw.value.errors())


def test_an_invalid_id_number_is_refused_alone_without_judging_the_sex() -> None:
    wrong_check = MANS_ID[:-1] + ("1" if MANS_ID[-1] != "1" else "2")
    with pytest.raises(ProfileError) as caught:
        Evaluator.validate({"id_number": wrong_check, "sex": "female"})
    assert [e.field for e in caught.value.errors] == ["id_number"]
