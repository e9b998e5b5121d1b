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


__all__ = ["FIRST_DAY", "LAST_DAY", "IsoDate", "Text", "parse_date", "text"]


def text(zh: str, en: str) -> dict[str, str]:
    """A Chinese-first message as it is printed (`Text` as a plain object)."""
    return {"zh": zh, "en": en}


def parse_date(value: Any) -> Any:
    """ISO `YYYY-MM-DD` text (ASCII digits, a real day from 1900 to 2199) → a date.

    Anything else is returned as it is, for pydantic to refuse with `date_type`; a date out
    of range raises ValueError (a `value_error` naming the range).
    """
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if type(value) is dt.date and not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError("must be a date from 1900-01-01 to 2199-12-31")
    return value


IsoDate = Annotated[
    dt.date,
    BeforeValidator(parse_date),
    Field(description="日期 YYYY-MM-DD（1900-01-01 至 2199-12-31）/ a date"),
]
