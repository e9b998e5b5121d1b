"""Who is acting: every route takes the principal from `get_principal`, so access control
(roles and regions) can be enforced in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request

Role = Literal["admin", "caseworker", "department", "policy"]


@dataclass(frozen=True)
class Principal:
    """The person or system behind a request, their role and the region they may see."""

    name: str
    role: Role
    region: str | None = None  # a 6-digit code used as a prefix; None: the whole country
    department: str | None = None


LOCAL_ADMIN = Principal(name="local-admin", role="admin")


def get_principal(request: Request) -> Principal:
    """The acting principal. Until tokens exist this is the local administrator."""
    principal = getattr(request.state, "principal", None)
    return principal if isinstance(principal, Principal) else LOCAL_ADMIN


PrincipalDep = Annotated[Principal, Depends(get_principal)]
