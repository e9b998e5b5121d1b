"""Request bodies of the ledger routes, strict like the profile (unknown keys refused)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from api.errors import IfMatchRequiredError, InvalidRequestError, message
from engine import FieldError
from engine.messages import field_errors, refuse_nul

M = TypeVar("M", bound=BaseModel)


def _iso(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else value
        except ValueError:
            return value
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)  # a NUL anywhere in the text is a 422 naming the field


class CaseCreate(_Body):
    """POST /v1/cases: a profile, the village it was recorded in, the assessment date."""

    profile: dict[str, Any]
    village: Annotated[str, Field(min_length=1, max_length=100)]
    as_of: IsoDate | None = None


class ProfileUpdate(_Body):
    """PUT /v1/cases/{id}/profile: the whole new profile."""

    profile: dict[str, Any]
    as_of: IsoDate | None = None


class Reassess(_Body):
    """POST /v1/cases/{id}/reassess: the review date (default today)."""

    as_of: IsoDate | None = None


class CloseCase(_Body):
    """POST /v1/cases/{id}/close: why (required; kept with the case's events)."""

    note: Annotated[str, Field(min_length=1, max_length=2000)]


class ReopenCase(_Body):
    """POST /v1/cases/{id}/reopen: why the case is opened again."""

    note: Annotated[str, Field(min_length=1, max_length=2000)]


class TransitionRequest(_Body):
    """POST /v1/referrals/{id}/transitions."""

    to: Literal["accepted", "in_progress", "completed", "declined", "withdrawn"]
    note: Annotated[str, Field(max_length=2000)] | None = None


def parse(model: type[M], body: Any) -> M:
    """The body as `model`, or 422 naming every bad field in Chinese and English."""
    try:
        return model.model_validate(body if body is not None else {})
    except ValidationError as exc:
        raise InvalidRequestError(field_errors(exc)) from exc


_IF_MATCH = re.compile(r'(?:W/)?"?([0-9]{1,9})"?')


def if_match_version(header: str | None, *, required: bool) -> int | None:
    """The version an If-Match header names (`3`, `"3"` or `W/"3"`; ASCII digits, at most
    nine): 422 for anything else, 428 when it is `required` and missing."""
    if header is None:
        if required:
            raise IfMatchRequiredError(
                message(
                    "修改个案需要 If-Match 头（当前版本号）",
                    "Updating a case needs an If-Match header (its version)",
                )
            )
        return None
    matched = _IF_MATCH.fullmatch(header.strip())
    if matched is None:
        raise InvalidRequestError(
            [FieldError("If-Match", "应为版本号（整数）", "must be the version (an integer)")]
        )
    return int(matched.group(1))
