"""Access control in one place: which role may use which door, and which region it sees.

| role       | may                                                                          |
|------------|------------------------------------------------------------------------------|
| caseworker | eligibility; cases in her region (create, read, update, reassess, close);    |
|            | their referrals (read, withdraw); summary, review queue, export of the region |
| department | referrals to its department in its region (read, move); of such a case only  |
|            | the masked identity and the facts its referred codes' conditions read         |
| policy     | catalog, policies, the summary of its region; never an individual case        |
| admin      | everything: tokens, the audit log, reload                                     |

A case or referral outside the principal's region answers 404, as if it did not exist; a
role that may not use a door gets 403; no token or an unknown one gets 401.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from api.auth import PrincipalDep
from api.bodies import MoveTo
from api.errors import ForbiddenError, NotFoundError, UnauthorizedError, message
from api.strict import AUTOMATIC
from ledger.case_filters import region_prefix
from ledger.models import Case, Referral
from ledger.principal import Principal, Role

NOTHING = "no-region"  # a region filter that matches no code


def require(principal: Principal, *roles: Role) -> None:
    """403 unless the principal has one of `roles` (401 for an anonymous one)."""
    if principal.role == "public" and "public" not in roles:
        raise UnauthorizedError(
            message("需要令牌：Authorization: Bearer <令牌>", "A bearer token is required"),
            headers={"WWW-Authenticate": "Bearer"},
        )
    if principal.role not in roles:
        raise ForbiddenError(
            message(
                f"角色“{principal.role}”无权执行此操作",
                f"The role {principal.role} may not do this",
            )
        )


def allow(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the request's principal, if it has one of `roles` (else 401/403).

    As a dependency it is solved before the body is validated: a role that may not use a
    door gets 403 whatever it sent.
    """

    async def principal_with_role(principal: PrincipalDep) -> Principal:  # no thread hop
        require(principal, *roles)
        return principal

    AUTOMATIC[principal_with_role] = (403,)
    return principal_with_role


def in_region(principal: Principal, region_code: str | None) -> bool:
    """Whether a region code lies inside the principal's region."""
    if principal.region is None:
        return True
    return region_code is not None and region_code.startswith(region_prefix(principal.region))


def region_filter(principal: Principal, requested: str | None) -> str | None:
    """The region a list query may cover: the requested one narrowed to the principal's."""
    if principal.region is None:
        return requested
    if requested is None:
        return principal.region
    mine, asked = region_prefix(principal.region), region_prefix(requested)
    if asked.startswith(mine):
        return requested
    if mine.startswith(asked):
        return principal.region
    return NOTHING


class HiddenError(NotFoundError):
    """A 404 for something that exists but is not the principal's to see: answered exactly
    like a missing one, and audited (`access_denied`, with the case it hit)."""

    def __init__(self, what: str, case_id: str, referral_id: str | None = None) -> None:
        super().__init__(message("没有这个个案或转介", f"No such {what}"))
        self.case_id, self.referral_id = case_id, referral_id


def visible_case(principal: Principal, case: Case) -> Case:
    """The case if the principal may see it (by region); else 404 as if it did not exist."""
    if not in_region(principal, case.region_code):
        raise HiddenError("case", case.id)
    return case


def visible_referral(principal: Principal, referral: Referral) -> Referral:
    """The referral if in region, and for a department only its own; else 404."""
    if not in_region(principal, referral.region_code) or (
        principal.role == "department" and referral.department != principal.department
    ):
        raise HiddenError("referral", referral.case_id, referral.id)
    return referral


def may_move(principal: Principal, to: MoveTo | str) -> None:
    """Departments move their referrals; caseworkers may only withdraw; admins do both."""
    if principal.role == "admin":
        return
    if principal.role == "department" and to != "withdrawn":
        return
    if principal.role == "caseworker" and to == "withdrawn":
        return
    raise ForbiddenError(
        message(
            f"角色“{principal.role}”不能把转介改为“{to}”",
            f"The role {principal.role} may not move a referral to {to}",
        )
    )
