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

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log_failure(type(exc).__name__, scope)
            if not started:
                await _internal_error(send, rid)


async def _internal_error(send: Send, rid: str) -> None:
    body: dict[str, Any] = {
        "error": "internal_error",
        "detail": {"zh": "服务内部错误", "en": "Internal server error", "request_id": rid},
    }
    data = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (HEADER.encode(), rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
