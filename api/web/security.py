"""Security headers on every response (pages, static files and the JSON API alike).

Pages run no inline script: every script and style is a file under /static, so the
Content-Security-Policy allows only 'self'. /docs and /redoc (Swagger UI, ReDoc) write inline
styles at run time and ReDoc starts a worker from a blob, so they alone get those two allowances.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_DOCS = _BASE.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + (
    "; worker-src 'self' blob:"
)
_FIXED = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def policy_for(path: str) -> str:
    """The Content-Security-Policy of a path."""
    return _DOCS if path in ("/docs", "/redoc") else _BASE


class SecurityHeaders:
    """Pure ASGI middleware (streamed exports pass through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = policy_for(scope.get("path", "")).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [(b"content-security-policy", csp), *_FIXED]
                headers += [(n, v) for n, v in extra if n not in names]
                if scope.get("path", "").startswith("/app"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
