"""POST /bench/echo: the body back, nothing else — the bench's trivial route (bench/http.py).

Mounted only when GUANAI_BENCH_ECHO=1, so the bench compares /v1/eligibility with a route
served by the same server configuration; never in a normal deployment.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

router = APIRouter(include_in_schema=False)


@router.post("/bench/echo")
async def echo(request: Request) -> Response:
    """The request body, as JSON (no CPU work: fine in an async endpoint)."""
    return Response(await request.body(), media_type="application/json")
