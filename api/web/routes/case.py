"""/app/cases/{id} — one case: masked identity (the full name revealed on request, audited),
the profile, the assessment history, referrals and their timelines, the next review, close and
reopen. Reads and writes are GET /v1/cases/{id}'s and the close/reopen routes' own functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.access import visible_case
from api.bodies import CloseCase, ReopenCase, parse
from api.deps import PolicyDep, SessionDep
from api.routes.case_status import close as close_route
from api.routes.case_status import reopen as reopen_route
from api.routes.cases import case as read_case
from api.web.auth import FormDep, Page, PageDep
from api.web.errors import REFUSALS, as_api_error, zh_of
from api.web.history import assessment_changes, code_names, department_name, shown_profile
from api.web.templating import render, templates
from ledger import cases as service
from ledger.audit import record

router = APIRouter(prefix="/app/cases/{case_id}", include_in_schema=False)
CaseId = Annotated[str, Query(max_length=32)]


def case_page(
    page: Page,
    session: SessionDep,
    policy: PolicyDep,
    case_id: str,
    *,
    revealed: str | None = None,
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    """The case page (the JSON door's read: access and audit as there)."""
    payload = read_case(case_id, session, policy, page.principal)
    return render(
        page.request,
        "case.html",
        status_code=status,
        title=f"个案 {payload.get('number') or case_id[:8]}",
        case=payload,
        profile=shown_profile(policy, payload.get("profile", {})),
        history=assessment_changes(payload.get("assessments", [])),
        code_names=lambda codes: code_names(policy, codes),
        department_name=lambda d: department_name(policy, d),
        revealed=revealed,
        errors=errors or [],
        notice=notice,
    )


@router.get("")
def case_view(
    case_id: str,
    page: PageDep,
    session: SessionDep,
    policy: PolicyDep,
    saved: Annotated[str | None, Query(max_length=2)] = None,
) -> HTMLResponse:
    """个案详情."""
    page.require("caseworker", "admin", "department")
    notice = "已保存到台账。" if saved else None
    return case_page(page, session, policy, case_id, notice=notice)


@router.post("/reveal")
def reveal_name(
    case_id: str, page: PageDep, form: FormDep, session: SessionDep, policy: PolicyDep
) -> Response:
    """Show the full name (caseworkers and admins only; audited as `name_revealed`)."""
    page.require("caseworker", "admin")
    found = visible_case(page.principal, service.find_case(session, case_id))
    record(session, page.principal, "name_revealed", case_id=found.id, fields=["identity.name"])
    name = found.name or "（未登记姓名）"
    if page.request.headers.get("hx-request"):
        return templates.TemplateResponse(page.request, "_name.html", {"name": name})
    return case_page(page, session, policy, case_id, revealed=name)


def _reason(form: FormDep) -> str:
    raw = form.get("note")
    return raw.strip() if isinstance(raw, str) else ""


def _change_status(
    case_id: str,
    page: Page,
    form: FormDep,
    session: SessionDep,
    policy: PolicyDep,
    field: str,
    missing: str,
    apply: Callable[[str], object],
) -> Response:
    """Close or reopen through the JSON door's function; a missing reason or a refusal is
    shown on the case page beside `field`."""
    page.require("caseworker", "admin")
    note = _reason(form)
    if not note:
        return case_page(page, session, policy, case_id, errors=[(field, missing)], status=422)
    try:
        apply(note[:2000])
    except REFUSALS as exc:
        error = as_api_error(exc)
        if error.status_code not in (409, 422):
            raise error from exc
        errors = [(field, zh_of(error))]
        return case_page(page, session, policy, case_id, errors=errors, status=error.status_code)
    return RedirectResponse(f"/app/cases/{case_id}", status_code=303)


@router.post("/close")
def close_case(
    case_id: str, page: PageDep, form: FormDep, session: SessionDep, policy: PolicyDep
) -> Response:
    """关闭个案（须填写原因）."""
    return _change_status(
        case_id,
        page,
        form,
        session,
        policy,
        "close-note",
        "关闭原因：请填写",
        lambda note: close_route(
            case_id, parse(CloseCase, {"note": note}), session, page.principal
        ),
    )


@router.post("/reopen")
def reopen_case(
    case_id: str, page: PageDep, form: FormDep, session: SessionDep, policy: PolicyDep
) -> Response:
    """重新打开个案（须填写原因）."""
    return _change_status(
        case_id,
        page,
        form,
        session,
        policy,
        "reopen-note",
        "重新打开的原因：请填写",
        lambda note: reopen_route(
            case_id, parse(ReopenCase, {"note": note}), session, page.principal
        ),
    )
