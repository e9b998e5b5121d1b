"""The last line: every request gets an id, and anything unexpected becomes one 500.

`RequestIds` wraps the app inside Starlette's ServerErrorMiddleware. It gives each request an
id (the `X-Request-Id` response header) and catches every exception nothing else answered:
the client gets `{"error": "internal_error", "detail": {zh, en, request_id}}`, and the log
gets one line with the kind of the error and the request id — never its message, its
traceback, the statement or the request, which may hold a woman's name or ID (issue 9, D3).
Nothing is re-raised, so the server prints no traceback either.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.messages import NUL_MESSAGE

logger = logging.getLogger("uvicorn.error")

HEADER = "x-request-id"


def request_id(scope: Scope | None) -> str | None:
    """The id `RequestIds` gave this request."""
    state = (scope or {}).get("state") or {}
    value = state.get("request_id")
    return value if isinstance(value, str) else None


def log_failure(kind: str, scope: Scope | None) -> None:
    """The one log line of a failure: its kind and the request id."""
    logger.error("internal error %s request_id=%s", kind, request_id(scope))


class RequestIds:
    """ASGI middleware: request ids, and a 500 for anything unexpected (logged by kind)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (HEADER.encode(), rid.encode())]
            await send(message)

        field = _nul_field(scope)
        if field is not None:  # PostgreSQL cannot hold a NUL, and no id or filter has one
            await _send(send, 422, rid, {"error": "validation_error", "detail": [
                {"field": field, "zh": "不得包含空字符（NUL）", "en": NUL_MESSAGE}]})  # fmt: skip
            return
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log_failure(type(exc).__name__, scope)
            if not started:
                await _internal_error(send, rid)


def _nul_field(scope: Scope) -> str | None:
    """The path, or the query parameter, that holds a NUL character (percent-encoded too)."""
    if "\x00" in scope.get("path", ""):
        return "path"
    query: str = scope.get("query_string", b"").decode("latin-1")
    if "%00" not in query and "\x00" not in query:
        return None
    for key, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in key or "\x00" in value:
            return "query." + key.replace("\x00", "")
    return None


async def _internal_error(send: Send, rid: str) -> None:
    body: dict[str, Any] = {
        "error": "internal_error",
        "detail": {"zh": "服务内部错误", "en": "Internal server error", "request_id": rid},
    }
    await _send(send, 500, rid, body)


async def _send(send: Send, status: int, rid: str, body: dict[str, Any]) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (HEADER.encode(), rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
