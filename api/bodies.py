"""The request bodies: every route that takes one declares its model here, strict like the
profile (unknown keys refused). FastAPI validates the strict JSON (api/strict.py) into these
models once; the profile inside is the engine's `Profile`, validated once per request."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError

from api.errors import TAGS, InvalidRequestError
from api.text import NO_NUL, IsoDate
from engine import FieldError, Profile
from engine.messages import field_errors

REGION_PATTERN = r"^[1-9][0-9]{5}$"
ID_PATTERN = r"^[0-9A-Za-z_-]{1,64}$"  # a case, referral or token id
Word = Annotated[str, Field(max_length=64, pattern=NO_NUL)]  # a query filter
# Where a person may move a referral (`no_longer_indicated` is the ledger's own, on reassessment).
MoveTo = Literal["accepted", "in_progress", "completed", "declined", "withdrawn"]
# A reason that must say something: not empty, not only spaces, no NUL.
Reason = Annotated[
    str,
    Field(
        min_length=1, max_length=2000, pattern=r"^[^\x00]*[^\s\x00][^\x00]*$", description="原因"
    ),
]
Note = Annotated[str, Field(max_length=2000, pattern=NO_NUL, description="备注 / a note")]


class Body(BaseModel):
    """A strict request body: unknown keys refused, no coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)


AsOf = Annotated[
    IsoDate | None,
    Field(description="评估日期，默认今天 / evaluation date (default today)"),
]


EXAMPLE_PROFILE: dict[str, JsonValue] = {
    "sex": "female",
    "age_years": 42,
    "marital_status": "married",
    "husband_away": True,
    "husband_away_reason": "migrant_work",
    "husband_away_continuous_months": 12,
    "residence_area": "village",
    "region_code": "430121",
    "household_income_pc_monthly": 500,
}


class EligibilityRequest(Body):
    """POST /v1/eligibility: a profile and the evaluation date."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"profile": EXAMPLE_PROFILE, "as_of": "2025-06-01"}}
    )

    profile: Profile
    as_of: AsOf = None
    explain: Literal["applicable", "all"] = Field(
        default="applicable",
        description=(
            "all：另给出每个分类的理由和每个不适用代码的原因"
            "（classification_reasons, not_applicable）"
            " / all: also why each classification and why not each code"
        ),
    )


class CaseCreate(Body):
    """POST /v1/cases: a profile, the village it was recorded in, the assessment date."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"profile": EXAMPLE_PROFILE, "village": "光明村", "as_of": "2025-06-01"}
        }
    )

    profile: Profile
    village: Annotated[
        str, Field(min_length=1, max_length=100, pattern=NO_NUL, description="村（社区）")
    ]
    as_of: AsOf = None


class ProfileUpdate(Body):
    """PUT /v1/cases/{id}/profile: the whole new profile."""

    profile: Profile
    as_of: AsOf = None


class Reassess(Body):
    """POST /v1/cases/{id}/reassess: the review date (default today)."""

    as_of: AsOf = None


class CloseCase(Body):
    """POST /v1/cases/{id}/close: why (required; kept with the case's events)."""

    note: Reason


class ReopenCase(Body):
    """POST /v1/cases/{id}/reopen: why the case is opened again."""

    note: Reason


class _Move(Body):
    """POST /v1/referrals/{id}/transitions."""

    to: Literal["accepted", "in_progress", "completed", "withdrawn"] = Field(
        description="新状态 / the new status"
    )
    note: Note | None = None


class _Decline(Body):
    """POST /v1/referrals/{id}/transitions declining: why (required)."""

    to: Literal["declined"] = Field(description="不予受理 / declined")
    note: Reason


TransitionRequest = Annotated[_Move | _Decline, Field(discriminator="to")]


class _TokenFields(Body):
    name: Annotated[
        str, Field(min_length=1, max_length=100, pattern=NO_NUL, description="令牌名称")
    ]
    region: Annotated[str, Field(pattern=REGION_PATTERN, description="辖区代码")] | None = None
    national: bool = Field(
        default=False,
        description=(
            "caseworker/department 令牌不填 region 时须写 true：覆盖全国"
            " / true for a nationwide caseworker or department token (no region)"
        ),
    )


class StaffToken(_TokenFields):
    """POST /v1/tokens for an admin, a caseworker or a policy officer (no department)."""

    role: Literal["admin", "caseworker", "policy"]
    department: None = None


class DepartmentToken(_TokenFields):
    """POST /v1/tokens for a department: which one (a department code of the catalog)."""

    role: Literal["department"]
    department: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_NUL)] = Field(
        description="部门代码（见 /v1/catalog 的 departments）/ a department code"
    )


M = TypeVar("M", bound=BaseModel)


@overload
def parse(model: type[M], body: Any) -> M: ...
@overload
def parse(model: Any, body: Any) -> Any: ...
def parse(model: Any, body: Any) -> Any:
    """`body` as `model` (a model or a tagged union of models) for callers other than FastAPI
    (the workbench's forms), or 422 naming every bad field, in the JSON door's words."""
    try:
        return TypeAdapter(model).validate_python(body if body is not None else {})
    except ValidationError as exc:
        problems = [_untagged(p) for p in field_errors(exc)]
        raise InvalidRequestError(problems) from exc


def _untagged(problem: FieldError) -> FieldError:
    """A tagged union names its branch first (`declined.note`): drop it."""
    head, _, rest = problem.field.partition(".")
    return FieldError(rest, problem.zh, problem.en) if rest and head in TAGS else problem


TokenCreate = Annotated[StaffToken | DepartmentToken, Field(discriminator="role")]
# The tags of the tagged unions here (tokens, moves): pydantic puts them in an error's path;
# api/errors.py takes them out again, so that the field is named as it was sent.
TAGS.update({"admin", "caseworker", "policy", "department"})
TAGS.update({"accepted", "in_progress", "completed", "withdrawn", "declined"})
