"""`Text`: the one zh/en pair of the API's schemas (Chinese first; the engine's, so that the
evaluation result and the API's own messages share it), and the one date parser of its
requests."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from engine.result import Text

# Requests name dates from 1900 to 2199: a review date six months after 9999-12-31 does not
# exist, and no case of this service is older than the People's Republic.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
_ISO_TIME = re.compile(_TIME)


__all__ = ["FIRST_DAY", "LAST_DAY", "NO_NUL", "IsoDate", "IsoTime", "Text", "parse_date", "text"]


def text(zh: str, en: str) -> dict[str, str]:
    """A Chinese-first message as it is printed (`Text` as a plain object)."""
    return {"zh": zh, "en": en}


def parse_date(value: Any) -> Any:
    """ISO `YYYY-MM-DD` text (ASCII digits, a real day from 1900 to 2199) → a date.

    Other text raises ValueError (even where pydantic would read `0` as 1970-01-01); a date
    out of range too; what is not text is left to pydantic (a strict `date_type` error).
    """
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError("must be a date YYYY-MM-DD")
        try:
            value = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be a real date YYYY-MM-DD") from exc
    if type(value) is dt.date and not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError("must be a date from 1900-01-01 to 2199-12-31")
    return value


def parse_time(value: Any) -> Any:
    """ISO 8601 time text (`2025-06-01T08:00:00`, a zone allowed) → a datetime; other text
    raises ValueError."""
    if isinstance(value, str):
        try:
            if not _ISO_TIME.fullmatch(value):
                raise ValueError(value)
            return dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be a time YYYY-MM-DDTHH:MM:SS") from exc
    return value


# The range as a pattern, so that /openapi.json says which dates are accepted.
_DATE_IN_RANGE = r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
IsoDate = Annotated[
    dt.date,
    BeforeValidator(parse_date),
    Field(
        description="日期 YYYY-MM-DD（1900-01-01 至 2199-12-31）/ a date",
        json_schema_extra={"pattern": _DATE_IN_RANGE},
    ),
]
IsoTime = Annotated[
    dt.datetime,
    BeforeValidator(parse_time),
    Field(description="时间 ISO 8601（可带时区）/ a time", json_schema_extra={"pattern": _TIME}),
]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL cannot store the NUL character
