"""/app/inbox — a department's referrals in its region, urgent and overdue first; each opens
to the minimised case view (GET /v1/cases/{id}'s own function: for a department exactly what
the JSON department view shows) with its moves: 接收 / 办理中 / 办结 / 不予受理, and a note.

A move goes through POST /v1/referrals/{id}/transitions's own function with `If-Match`: the
form carries the version the person saw (the referral's steps so far), so a second click, or
a move made on a stale page, finds the referral moved on and is refused (412, or 409 when two
race) with what it is now — never applied twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.access import may_move, region_filter, visible_referral
from api.bodies import TransitionRequest, parse
from api.deps import PolicyDep, SessionDep, SettingsDep
from api.errors import ForbiddenError, InvalidRequestError
from api.routes.cases import case as read_case
from api.routes.referrals import move as move_route
from api.web.auth import FormDep, Page, PageDep
from api.web.errors import REFUSALS, as_api_error, zh_of
from api.web.history import code_names, department_name, shown_profile
from api.web.templating import render
from engine import FieldError
from ledger.audit import record
from ledger.cases import find_case
from ledger.inbox import deadline, inbox, referral_events, version_of
from ledger.principal import Role
from ledger.referrals import STATUS_ZH, TRANSITIONS, find_referral

router = APIRouter(prefix="/app/inbox", include_in_schema=False)
ROLES: tuple[Role, ...] = ("department", "admin")
MOVES = {  # what a button says, for each move a department makes
    "accepted": "接收",
    "in_progress": "开始办理",
    "completed": "办结",
    "declined": "不予受理",
}


@router.get("")
def inbox_list(
    page: PageDep,
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
    show: Annotated[str, Query(pattern="^(active|all)$")] = "active",
) -> HTMLResponse:
    """待办转介：紧急、超时的在前."""
    page.require(*ROLES)
    items = inbox(
        session,
        department=page.principal.department if page.principal.role == "department" else None,
        region=region_filter(page.principal, None),
        hours=settings.urgent_response_hours,
        active_only=show == "active",
        at=datetime.now(UTC),
    )
    record(session, page.principal, "referrals_listed", count=len(items), fields=["identity.name"])
    return render(
        page.request,
        "inbox.html",
        title="转介待办",
        items=items,
        show=show,
        hours=settings.urgent_response_hours,
        code_names=lambda codes: code_names(policy, codes),
        department_name=lambda d: department_name(policy, d),
    )


def referral_page(
    page: Page,
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
    referral_id: str,
    *,
    errors: list[tuple[str, str]] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """One referral: its deadline, history and moves, and the minimised case view."""
    referral = visible_referral(page.principal, find_referral(session, referral_id))
    case = read_case(referral.case_id, session, policy, page.principal)
    events = referral_events(session, referral.id)
    moves = [
        (to, MOVES[to])
        for to in TRANSITIONS.get(referral.status, ())
        if _may(page, to) and to in MOVES
    ]
    return render(
        page.request,
        "inbox_referral.html",
        status_code=status,
        title=f"转介 · {department_name(policy, referral.department)}",
        referral=referral,
        case=case,
        number=find_case(session, referral.case_id).number or referral.case_id[:8],
        events=events,
        version=version_of(events),
        due=deadline(referral, events, settings.urgent_response_hours, datetime.now(UTC)),
        moves=moves,
        hours=settings.urgent_response_hours,
        code_names=lambda codes: code_names(policy, codes),
        department_name=lambda d: department_name(policy, d),
        profile=shown_profile(policy, case.get("profile", {})),
        errors=errors or [],
        notice=notice,
    )


def _may(page: Page, to: str) -> bool:
    try:
        may_move(page.principal, to)
    except ForbiddenError:
        return False
    return True


@router.get("/{referral_id}")
def inbox_referral(
    referral_id: str,
    page: PageDep,
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
    moved: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    """一条转介：最小化的个案信息、办理记录与操作."""
    page.require(*ROLES)
    notice = f"已改为“{STATUS_ZH[moved]}”。" if moved in STATUS_ZH else None
    return referral_page(page, session, policy, settings, referral_id, notice=notice)


def _text(form: FormDep, name: str, limit: int) -> str:
    raw = form.get(name)
    return raw.strip()[:limit] if isinstance(raw, str) else ""


@router.post("/{referral_id}/move")
def move_referral(
    referral_id: str,
    page: PageDep,
    form: FormDep,
    session: SessionDep,
    policy: PolicyDep,
    settings: SettingsDep,
) -> Response:
    """接收 / 开始办理 / 办结 / 不予受理（附说明）."""
    page.require(*ROLES)
    to, note, seen = _text(form, "to", 32), _text(form, "note", 2000), _text(form, "version", 9)
    visible_referral(page.principal, find_referral(session, referral_id))
    try:
        if not seen.isdigit():
            raise InvalidRequestError(
                [FieldError("version", "页面已过期，请刷新后重试", "version missing")]
            )
        move_route(
            referral_id,
            parse(TransitionRequest, {"to": to, **({"note": note} if note else {})}),
            session,
            page.principal,
            Response(),
            if_match=seen,
        )
    except REFUSALS as exc:
        error = as_api_error(exc)
        if error.status_code not in (409, 412, 422):
            raise error from exc
        session.rollback()
        errors = [("note", zh_of(error))]
        return referral_page(
            page, session, policy, settings, referral_id, errors=errors, status=error.status_code
        )
    return RedirectResponse(f"/app/inbox/{referral_id}?moved={to}", status_code=303)
