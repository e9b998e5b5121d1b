"""Who is acting. Every route takes the principal from `get_principal`, which reads the
bearer token; roles and regions are then enforced in api/access.py.

Tokens are random strings shown once; only their SHA-256 is stored (api/ledger/tokens.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import UnauthorizedError, message

Role = Literal["admin", "caseworker", "department", "policy", "public"]
ROLES: tuple[Role, ...] = ("admin", "caseworker", "department", "policy")
# "public": a request without a token when PUBLIC_EVALUATION is on. It may evaluate a
# profile and read the catalog and policies (nothing is stored or read back); every other
# route answers it 401, as it would without the setting.

_bearer = HTTPBearer(auto_error=False, description="guanai token create 生成的令牌 / a token")


@dataclass(frozen=True)
class Principal:
    """The person or system behind a request, their role and the region they may see."""

    name: str
    role: Role
    region: str | None = None  # a 6-digit code used as a prefix; None: the whole country
    department: str | None = None


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal of the request's bearer token, or 401."""
    from api.ledger.tokens import principal_for

    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None and request.app.state.settings.public_evaluation:
        return Principal(name="anonymous", role="public")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorizedError(
            message("需要令牌：Authorization: Bearer <令牌>", "A bearer token is required"),
            headers=challenge,
        )
    principal = principal_for(request.app.state.ledger, credentials.credentials)
    if principal is None:
        raise UnauthorizedError(
            message("令牌无效或已撤销", "Unknown or revoked token"), headers=challenge
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
