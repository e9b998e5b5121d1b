"""Every refused attempt is audited (issue 9, D9): a 403 (the role may not), and a 404 that
hides a case or referral outside the caller's region or department (`HiddenError` in
api/access.py carries the case it hit). The entry is `access_denied`, with the method, the
route's path and — for a hidden one — the case, so `GET /v1/audit?case_id=` finds it."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.failures import log_failure
from ledger.audit import record
from ledger.db import Ledger
from ledger.principal import Principal


class Refusal(Protocol):
    """What is read of an error (api/errors.py's ApiError)."""

    status_code: int


def _record(ledger: Ledger, principal: Principal, **what: Any) -> None:
    with ledger.session() as session:
        record(session, principal, "access_denied", **what)


async def audit_refusal(request: Request, exc: Refusal) -> None:
    """Audit `exc` if it refuses a known principal (a 403, or a hidden 404)."""
    principal = getattr(request.state, "principal", None)
    ledger = getattr(request.app.state, "ledger", None)
    case_id = getattr(exc, "case_id", None)
    hidden = exc.status_code == 404 and case_id is not None
    if not isinstance(principal, Principal) or ledger is None:
        return
    if exc.status_code != 403 and not hidden:
        return
    route = request.scope.get("route")
    try:
        await run_in_threadpool(
            _record,
            ledger,
            principal,
            case_id=case_id,
            referral_id=getattr(exc, "referral_id", None),
            method=request.method,
            path=getattr(route, "path", None) or request.url.path,
            status=exc.status_code,
        )
    except Exception as failure:
        log_failure(f"audit {type(failure).__name__}", request.scope)
