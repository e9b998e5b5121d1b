"""Every response says which policy version answered: the `Guanai-Policy-Version` header.

A pure ASGI middleware (no per-request task, unlike BaseHTTPMiddleware). A route that leased
an evaluator names that evaluator's version (request.state.policy_version, api/deps.py);
any other response names the version in service when it was sent.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "Guanai-Policy-Version"


class PolicyVersionHeader:
    """Adds the header to every HTTP response."""

    def __init__(self, app: ASGIApp, root: Any) -> None:
        self.app = app
        self.root = root  # the FastAPI app, whose state holds the policy service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                version = scope.get("state", {}).get("policy_version")
                service = getattr(self.root.state, "policies", None)
                if version is None and service is not None:
                    version = service.policy.version
                if version is not None:
                    headers = list(message.get("headers", []))
                    headers.append((HEADER.lower().encode(), str(version).encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_version)
