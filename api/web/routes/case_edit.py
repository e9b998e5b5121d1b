"""/app/cases/{id}/edit — the profile form, saved through PUT /v1/cases/{id}/profile's own
function with the version read (If-Match). When someone else saved first, the page says
“已被他人修改” and shows both versions side by side; saving again keeps hers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.bodies import ProfileUpdate, parse
from api.deps import EvaluatorDep, LedgerDep, PolicyDep, SessionDep
from api.errors import InvalidRequestError, VersionMismatchError
from api.routes.cases import case as read_case
from api.routes.cases import update_profile
from api.web.auth import FormDep, Page, PageDep
from api.web.errors import REFUSALS, as_api_error
from api.web.history import shown_profile
from api.web.intake import form_groups, read_profile
from api.web.templating import render
from engine import Policy

router = APIRouter(prefix="/app/cases/{case_id}/edit", include_in_schema=False)


def answers_of(profile: dict[str, Any]) -> dict[str, str]:
    """A stored profile as the form's answers."""
    out: dict[str, str] = {}
    for name, value in profile.items():
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, list):
            out[name] = ",".join(str(v) for v in value)
        elif isinstance(value, float) and value.is_integer():
            out[name] = str(int(value))
        else:
            out[name] = str(value)
    return out


def _form(
    page: Page,
    policy: Policy,
    case: dict[str, Any],
    answers: dict[str, str],
    *,
    version: int,
    errors: list[tuple[str, str]] | None = None,
    conflict: list[tuple[str, str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        page.request,
        "case_edit.html",
        status_code=status,
        title="修改画像",
        case=case,
        groups=form_groups(policy),
        answers=answers,
        version=version,
        errors=errors or [],
        conflict=conflict,
    )


@router.get("")
def edit_form(case_id: str, page: PageDep, session: SessionDep, policy: PolicyDep) -> HTMLResponse:
    """修改画像."""
    page.require("caseworker", "admin")
    case = read_case(case_id, session, policy, page.principal)
    return _form(page, policy, case, answers_of(case["profile"]), version=case["version"])


def _differences(
    policy: Policy, mine: dict[str, Any], theirs: dict[str, Any]
) -> list[tuple[str, str, str]]:
    """(label, hers, the saved one) for every fact the two versions disagree on."""
    shown_mine = {f: v for f, _, v in shown_profile(policy, mine)}
    shown_theirs = {f: v for f, _, v in shown_profile(policy, theirs)}
    rows = []
    for name, fdef in policy.catalog.facts.items():
        a, b = shown_mine.get(name, "不清楚"), shown_theirs.get(name, "不清楚")
        if a != b:
            rows.append((fdef.zh, a, b))
    return rows


@router.post("")
def save_profile(
    case_id: str,
    page: PageDep,
    form: FormDep,
    session: SessionDep,
    policy: PolicyDep,
    evaluator: EvaluatorDep,
    ledger: LedgerDep,
) -> Response:
    """Save a new profile version (If-Match: the version the form was read at)."""
    page.require("caseworker", "admin")
    profile, answers, problems = read_profile(policy, form)
    raw_version = form.get("version")
    version = raw_version if isinstance(raw_version, str) and raw_version.isdigit() else "0"
    if problems:
        case = read_case(case_id, session, policy, page.principal)
        return _form(page, policy, case, answers, version=int(version), errors=problems, status=422)
    try:
        update_profile(
            case_id,
            parse(ProfileUpdate, {"profile": profile}),
            evaluator,
            session,
            ledger,
            page.principal,
            Response(),
            if_match=version,
        )
    except REFUSALS as exc:
        error = as_api_error(exc)
        session.rollback()
        case = read_case(case_id, session, policy, page.principal)
        if isinstance(error, VersionMismatchError):
            conflict = _differences(policy, profile, case["profile"])
            return _form(
                page, policy, case, answers, version=case["version"], conflict=conflict, status=409
            )
        if not isinstance(error, InvalidRequestError):
            raise error from exc
        errors = [
            (str(d.get("field", "")).removeprefix("profile."), str(d.get("zh", "")))
            for d in (error.detail if isinstance(error.detail, list) else [])
        ]
        return _form(page, policy, case, answers, version=int(version), errors=errors, status=422)
    return RedirectResponse(f"/app/cases/{case_id}?saved=1", status_code=303)
