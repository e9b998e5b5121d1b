"""Who acts on the ledger: a person or system, their role and the region they may see.

The HTTP door builds a Principal from a bearer token (api/auth.py); the CLI acts as a named
admin. No web framework here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "caseworker", "department", "policy", "public"]
ROLES: tuple[Role, ...] = ("admin", "caseworker", "department", "policy")
# "public": a request without a token when PUBLIC_EVALUATION is on. It may evaluate a
# profile and read the catalog and policies (nothing is stored or read back); every other
# route answers it 401, as it would without the setting.


@dataclass(frozen=True)
class Principal:
    """The person or system behind a request, their role and the region they may see."""

    name: str
    role: Role
    region: str | None = None  # a 6-digit code used as a prefix; None: the whole country
    department: str | None = None
