"""Who is acting. Every route takes the principal from `get_principal`, which reads the
bearer token; roles and regions are then enforced in api/access.py.

Tokens are random strings shown once; only their SHA-256 is stored (ledger/tokens.py); the
Principal itself is ledger data (ledger/principal.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.errors import UnauthorizedError, message
from api.strict import AUTOMATIC
from ledger.principal import Principal
from ledger.tokens import principal_for

bearer = HTTPBearer(auto_error=False, description="guanai token create 生成的令牌 / a token")


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The principal of the request's bearer token, or 401.

    `async`: a token this process has cached costs no thread hop and no database round
    trip; only a miss is looked up in the ledger, in the threadpool."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None and request.app.state.settings.public_evaluation:
        return Principal(name="anonymous", role="public")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorizedError(
            message("需要令牌：Authorization: Bearer <令牌>", "A bearer token is required"),
            headers=challenge,
        )
    cache = getattr(request.app.state, "tokens", None)
    token = credentials.credentials
    principal: Principal | None = cache.cached(token) if cache is not None else None
    if principal is None and cache is not None:
        principal = await run_in_threadpool(cache.principal, token)
    elif principal is None:
        principal = await run_in_threadpool(principal_for, request.app.state.ledger, token)
    if principal is None:
        raise UnauthorizedError(
            message("令牌无效或已撤销", "Unknown or revoked token"), headers=challenge
        )
    request.state.principal = principal  # a refusal of this request is audited under it
    return principal


AUTOMATIC[get_principal] = (401, 503)  # the token is looked up in the ledger

PrincipalDep = Annotated[Principal, Depends(get_principal)]
