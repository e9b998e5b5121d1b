"""The one strict JSON reader, as a route class: every route of the API is a `StrictRoute`.

FastAPI reads a body before it solves a route's dependencies, and its own JSON reader takes
NaN, duplicate keys and UTF-16. A `StrictRoute` hands FastAPI a `StrictJSONRequest`, whose
`body()` and `json()` read the body once, strictly: at most MAX_BODY_BYTES, content type
`application/json` (or none) in UTF-8, no NaN or Infinity, no duplicate key, not nested
beyond what Python's parser can hold; an integral number written `137.0` is the integer 137,
which is what JSON Schema's `integer` means. A body it refuses is not refused at once: the
reason waits in the request scope and the body becomes a placeholder no request model
accepts, so FastAPI first solves the dependencies (the token: 401; the role: 403) and only
then finds the body invalid, and api/errors.py answers the waiting reason (400, 413 or 415).
FastAPI still validates the JSON into the route's pydantic model, so /openapi.json describes
every request body from that model.

The route class also gives every route its Chinese summary (the docstring's first line) and
documents the errors every route of its kind can give (401 with a token, 400/413/415/422
with a body, 422 with parameters, 503 with the database), besides those it lists itself.
"""

from __future__ import annotations

import email.message
import json
import re
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import Request, Response
from fastapi.datastructures import Default, DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute

from api.error_models import responses
from api.errors import (
    BODY_ERROR,
    MAX_BODY_BYTES,
    ApiError,
    MalformedJSONError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    message,
)

_UNREADABLE = b"\x00"  # what FastAPI is given for a refused body: no model takes bytes
_INTEGRAL = re.compile(r"-?[0-9]+\.0+")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _number(literal: str) -> float | int:
    return int(literal.partition(".")[0]) if _INTEGRAL.fullmatch(literal) else float(literal)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r} in an object")
        out[key] = value
    return out


def strict_loads(raw: bytes) -> Any:
    """`raw` as strict JSON, or MalformedJSONError saying why (never quoting the body)."""
    try:
        return json.loads(
            raw.decode("utf-8"),
            parse_constant=_no_constants,
            parse_float=_number,
            object_pairs_hook=_no_duplicate_keys,
        )
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        if isinstance(exc, UnicodeDecodeError):
            reason = "not UTF-8"  # its message would quote the bytes
        elif isinstance(exc, RecursionError):
            reason = "nested too deeply"
        else:
            reason = str(exc)
        raise MalformedJSONError(
            message("请求体不是有效的 JSON", f"Malformed JSON: {reason}")
        ) from exc


def _media_problem(content_type: str | None) -> ApiError | None:
    if not content_type:
        return None  # no header: read as JSON, as curl users expect
    header = email.message.Message()
    header["content-type"] = content_type
    kind = header.get_content_type()
    charset = str(header.get_param("charset") or "utf-8").lower()
    if (kind == "application/json" or kind.endswith("+json")) and charset in ("utf-8", "utf8"):
        return None
    return UnsupportedMediaTypeError(
        message(
            "请求体应为 application/json（UTF-8 编码）",
            "The body must be application/json in UTF-8",
        )
    )


def _too_large() -> PayloadTooLargeError:
    return PayloadTooLargeError(
        message(f"请求体超过 {MAX_BODY_BYTES} 字节", f"Body larger than {MAX_BODY_BYTES} bytes")
    )


class StrictJSONRequest(Request):
    """A request whose body is read once, strictly (see the module's docstring)."""

    body_required = False

    def _refuse(self, error: ApiError) -> bytes:
        self.scope[BODY_ERROR] = error
        self._body = _UNREADABLE
        return self._body

    async def body(self) -> bytes:
        """The raw body, or a placeholder once a reason to refuse it is waiting."""
        if hasattr(self, "_body"):
            return self._body
        declared = self.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return self._refuse(_too_large())
        raw = bytearray()
        async for chunk in self.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                return self._refuse(_too_large())
        if not raw and self.body_required:
            return self._refuse(
                MalformedJSONError(message("请求体不是有效的 JSON", "Malformed JSON: empty body"))
            )
        if raw and (problem := _media_problem(self.headers.get("content-type"))):
            return self._refuse(problem)
        self._body = bytes(raw)
        return self._body

    async def json(self) -> Any:
        """The body as strict JSON (or bytes no model accepts, once refused)."""
        if not hasattr(self, "_json"):
            raw = await self.body()
            if BODY_ERROR in self.scope:
                self._json = raw
            else:
                try:
                    self._json = strict_loads(raw)
                except MalformedJSONError as exc:
                    self._json = self._refuse(exc)
        return self._json


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


# Dependencies whose presence means a route can answer these statuses (filled by api/deps.py
# and api/auth.py at import: the database session, the token).
AUTOMATIC: dict[Callable[..., Any], tuple[int, ...]] = {}


class StrictRoute(APIRoute):
    """An APIRoute that reads its body strictly and documents every error it can give."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        doc = (endpoint.__doc__ or "").strip()
        if kwargs.get("summary") is None and doc:
            kwargs["summary"] = doc.splitlines()[0].strip()
        if kwargs.get("operation_id") is None:  # links name operations by endpoint
            kwargs["operation_id"] = endpoint.__name__
        if isinstance(kwargs.get("strict_content_type", Default(True)), DefaultPlaceholder):
            kwargs["strict_content_type"] = False  # no content type: JSON (see above)
        super().__init__(path, endpoint, **kwargs)
        codes: set[int] = set()
        if self.body_field is not None:
            codes |= {400, 413, 415, 422}
        if get_flat_params(self.dependant):
            codes.add(422)
        for call in _calls(self.dependant):
            codes.update(AUTOMATIC.get(call, ()))
        for code, entry in responses(*sorted(codes)).items():
            self.responses.setdefault(code, entry)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, given a StrictJSONRequest."""
        handler = super().get_route_handler()
        field = self.body_field
        required = field is not None and field.field_info.is_required()

        async def strict_handler(request: Request) -> Response:
            strict = StrictJSONRequest(request.scope, request.receive)
            strict.body_required = required
            return await handler(strict)

        return strict_handler
