"""The navigation: each page once, with the roles that may use it. A page not allowed to a
role is not shown to it (and its route refuses it too, through api/access.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.principal import Role


@dataclass(frozen=True)
class NavItem:
    """One link of the navigation bar."""

    path: str
    label: str
    roles: tuple[Role, ...]


NAV: list[NavItem] = [
    NavItem("/app/evaluate", "评估", ("caseworker", "admin")),
    NavItem("/app/cases", "台账", ("caseworker", "admin")),
    NavItem("/app/review", "到期复核", ("caseworker", "admin")),
    NavItem("/app/inbox", "转介待办", ("department", "admin")),
    NavItem("/app/dashboard", "统计", ("caseworker", "policy", "admin")),
    NavItem("/app/import", "导入摸排表", ("caseworker", "admin")),
    NavItem("/app/policies", "政策", ("policy", "admin", "caseworker", "department")),
]


def nav_for(role: Role) -> list[NavItem]:
    """The links a role sees, in order."""
    return [item for item in NAV if role in item.roles]


def home_for(role: Role) -> str:
    """Where a person lands after signing in: the first page their role may use."""
    items = nav_for(role)
    return items[0].path if items else "/app/home"
