"""Request headers, parsed strictly: If-Match names a version in ASCII digits (at most nine),
as `3`, `"3"` or `W/"3"`; anything else is a 422 naming the header, never a 500."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from api.errors import IfMatchRequiredError, InvalidRequestError, message
from engine import FieldError

IF_MATCH_PATTERN = r'^(W/)?("[0-9]{1,9}"|[0-9]{1,9})$'
_IF_MATCH = re.compile(IF_MATCH_PATTERN)

IfMatch = Annotated[
    str | None,
    Header(
        pattern=IF_MATCH_PATTERN,
        description='当前版本号（ETag，如 1 或 "1"）/ the current version (its ETag)',
    ),
]


def if_match_version(header: str | None, *, required: bool) -> int | None:
    """The version an If-Match header names: 422 for anything else, 428 when it is
    `required` and missing."""
    if header is None:
        if required:
            raise IfMatchRequiredError(
                message(
                    "修改个案需要 If-Match 头（当前版本号）",
                    "Updating a case needs an If-Match header (its version)",
                )
            )
        return None
    matched = _IF_MATCH.fullmatch(header)
    if matched is None:
        raise InvalidRequestError(
            [FieldError("If-Match", "应为版本号（整数）", "must be the version (an integer)")]
        )
    return int(matched.group(2).strip('"'))
