"""Profile — the one schema of a woman's facts (docs/contract.md §1), strict and frozen.

Every field is optional: `None` (or absence) means the fact is not known. What an absent
fact means to the rules (unknown, false or an empty list) is declared in
policies/catalog/facts.yaml, not here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from engine.messages import SEX_CONTRADICTS_ID, refuse_nul

Bool = bool | None
NonNegInt = Annotated[int, Field(ge=0)] | None
MONEY_MAX = 1_000_000_000  # yuan: beyond any household's income or expenditure


def _to_fen(value: float) -> float:
    """Money is kept to the fen (0.01 yuan): every amount then reaches durable_rules, and the
    three-valued evaluator, as the same plain decimal (never 1e-07 or 1e+16, which
    durable_rules cannot parse)."""
    return round(value, 2) + 0.0


Money = (
    Annotated[float, Field(ge=0, le=MONEY_MAX, allow_inf_nan=False), AfterValidator(_to_fen)] | None
)

InfringementType = Literal[
    "domestic_violence",
    "abuse",
    "abandonment",
    "collective_economic_rights",
    "land_contract",
    "property",
    "personal_injury",
    "sexual_violence",
    "trafficking",
    "fraud",
    "labour_remuneration",
    "other",
]
LegalMatterType = Literal[
    "state_compensation",
    "social_insurance_or_assistance",
    "pension_compensation",
    "maintenance_support",
    "labour",
    "capacity_determination",
    "personal_injury",
    "environmental",
    "dv_abuse_abandonment",
    "collective_membership",
    "divorce",
    "other",
]

IDENTITY_FIELDS = ("name", "id_number", "birth_date")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")


def id_number_problem(value: str) -> str | None:
    """Why `value` is not a valid 18-character resident ID (GB 11643), or None."""
    if not _ID_SHAPE.match(value):
        return "must be 17 digits followed by a digit or X"
    check = _ID_CHECK[sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True)) % 11]
    if value[17] != check:
        return "check digit does not match"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth date inside it is not a real date"
    return None


def sex_of_id_number(value: str) -> Literal["female", "male"]:
    """The sex a valid ID number shows: its 17th digit is odd for a man, even for a woman."""
    return sex_of_digit(value[16])


def sex_of_digit(digit: str) -> Literal["female", "male"]:
    """The sex an ID number's 17th digit shows (GB 11643): odd a man, even a woman."""
    return "male" if int(digit) % 2 else "female"


def _iso_date(value: Any) -> Any:
    """Birth dates are ISO `YYYY-MM-DD` text (JSON) or dates; no numbers, no times."""
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError("must be a date YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be a real date YYYY-MM-DD") from exc
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError("must be a date YYYY-MM-DD")
    return value


def completed_years(born: date, on: date) -> int:
    """Age in completed years on a date (a birthday on 29 February counts from 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class Profile(BaseModel):
    """A woman's profile: the facts rules read, plus optional identity never used by rules."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    # identity — never read by rules, never echoed in evaluation output
    name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(refuse_nul)] | None = (
        None
    )
    id_number: Annotated[str, Field(pattern=r"^[1-9][0-9]{16}[0-9X]$")] | None = None
    birth_date: Annotated[date, BeforeValidator(_iso_date)] | None = None

    sex: Literal["female", "male"] | None = None
    age_years: Annotated[int, Field(ge=0, le=150)] | None = None
    marital_status: Literal["married", "unmarried", "divorced", "widowed"] | None = None
    husband_away: Bool = None
    husband_away_reason: Literal["migrant_work", "business", "other"] | None = None
    husband_away_continuous_months: Annotated[int, Field(ge=0, le=1200)] | None = None
    residence_area: Literal["village", "xiang_seat", "township_seat", "urban"] | None = None
    region_code: Annotated[str, Field(pattern=r"^[1-9][0-9]{5}$")] | None = None
    dibao_recipient: Bool = None
    tekun_recipient: Bool = None
    dibao_edge_family: Bool = None
    rigid_expenditure_family: Bool = None
    anti_poverty_monitoring_target: Bool = None
    household_income_pc_monthly: Money = None
    household_assets_within_limit: Bool = None
    has_serious_illness: Bool = None
    has_disability_certificate: Bool = None
    disability_category: (
        Literal["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"]
        | None
    ) = None
    disability_grade: Annotated[int, Field(ge=1, le=4)] | None = None
    multiple_includes_intellectual_or_mental: Bool = None
    needs_long_term_care: Bool = None
    receives_work_injury_nursing_fee: Bool = None
    receives_other_welfare_living_allowance: Bool = None
    receives_other_welfare_care_allowance: Bool = None
    wants_rehabilitation: Bool = None
    has_fixed_living_source: Bool = None
    legal_supporters_able: Bool = None
    labour_capacity: Literal["none", "weak", "normal"] | None = None
    wants_employment: Bool = None
    engaged_in_farming: Bool = None
    has_craft_skill: Bool = None
    rights_infringed: Bool = None
    infringement_types: list[InfringementType] | None = None
    domestic_violence_ongoing: Bool = None
    needs_shelter: Bool = None
    legal_capacity_limited: Bool = None
    has_legal_matter: Bool = None
    legal_matter_types: list[LegalMatterType] | None = None
    economically_eligible_for_legal_aid: Bool = None
    has_civil_dispute: Bool = None
    collective_member_confirmed: Bool = None
    sudden_hardship_event: Bool = None
    needs_psychological_support: Bool = None
    needs_marriage_family_service: Bool = None
    needs_fitness_guidance: Bool = None
    has_minor_children: Bool = None
    needs_family_education_support: Bool = None
    household_rigid_expenditure_12m: Money = None
    household_income_12m: Money = None

    @model_validator(mode="before")
    @classmethod
    def _sex_from_id_number(cls, data: Any) -> Any:
        """Sex, when not stated, is the ID number's: its 17th digit is odd for a man, even
        for a woman (GB 11643). A stated sex is kept, if the ID number agrees with it."""
        if isinstance(data, dict) and data.get("sex") is None:
            number = data.get("id_number")
            if isinstance(number, str) and id_number_problem(number) is None:
                return {**data, "sex": sex_of_id_number(number)}
        return data

    @field_validator("sex")
    @classmethod
    def _sex_agrees_with_id_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A stated sex that the (valid) ID number contradicts is refused. `id_number` is
        declared before `sex`, so it is in `info.data` once valid; the message never holds it."""
        number = info.data.get("id_number")
        if value is not None and number is not None and sex_of_id_number(number) != value:
            raise ValueError(SEX_CONTRADICTS_ID)
        return value

    @field_validator("id_number")
    @classmethod
    def _valid_id_number(cls, value: str | None) -> str | None:
        if value is not None:
            problem = id_number_problem(value)
            if problem:
                raise ValueError(problem)
        return value

    def age_on(self, day: date) -> int | None:
        """Age in completed years: `age_years`, else from `birth_date`, else from `id_number`."""
        if self.age_years is not None:
            return self.age_years
        born = self.birth_date
        if born is None and self.id_number is not None:
            v = self.id_number
            born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
        if born is None or born > day:
            return None
        return completed_years(born, day)

    def facts(self, day: date) -> dict[str, Any]:
        """The facts rules read on `day`: known values only, identity removed, age derived."""
        data = self.model_dump(exclude_none=True, exclude=set(IDENTITY_FIELDS))
        age = self.age_on(day)
        if age is not None:
            data["age_years"] = age
        return data


FACT_FIELDS: tuple[str, ...] = tuple(
    name for name in Profile.model_fields if name not in IDENTITY_FIELDS
)
