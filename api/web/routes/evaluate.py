"""/app/evaluate — the intake: the form from the fact catalogue, the live result panel (htmx)
and “保存到台账”, which records the case through the same call as POST /v1/cases."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from api.bodies import CaseCreate, EligibilityRequest, parse
from api.deps import EvaluatorDep, LedgerDep, PolicyDep, SessionDep
from api.errors import ConflictError, InvalidRequestError
from api.routes.cases import create_case
from api.routes.eligibility import evaluation
from api.web.auth import FormDep, Page, PageDep
from api.web.errors import REFUSALS, as_api_error
from api.web.intake import form_groups, read_profile
from api.web.panel import build_panel
from api.web.templating import render
from engine import Evaluator, Policy
from ledger.case_numbers import BEIJING

router = APIRouter(prefix="/app/evaluate", include_in_schema=False)
IDENTITY = ("name", "id_number", "village")


LABELS = {"name": "姓名", "id_number": "身份证号", "village": "村（社区）", "as_of": "评估日期"}


def problems_of(policy: Policy, error: InvalidRequestError) -> list[tuple[str, str]]:
    """Field errors of the JSON door as (field id, message headed by the field's label)."""
    out = []
    for item in error.detail if isinstance(error.detail, list) else []:
        name = str(item.get("field", "")).removeprefix("profile.")
        fact = policy.catalog.facts.get(name)
        label = fact.zh if fact else LABELS.get(name, name)
        out.append((name, f"{label}：{item.get('zh', '')}"))
    return out


def _as_of(form: FormData, problems: list[tuple[str, str]]) -> str | None:
    raw = form.get("as_of")
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        problems.append(("as_of", "评估日期：请填写有效日期"))
        return None
    return text


def _evaluate(
    page: Page, evaluator: Evaluator, profile: dict[str, Any], as_of: str | None
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """The result through the JSON door's own function (its access rule included)."""
    body: dict[str, Any] = {"profile": profile, "explain": "all"}
    if as_of:
        body["as_of"] = as_of
    try:
        result = evaluation(parse(EligibilityRequest, body), evaluator, page.principal)
    except REFUSALS as exc:
        error = as_api_error(exc)
        if not isinstance(error, InvalidRequestError):
            raise error from exc
        return None, problems_of(evaluator.policy, error)
    return result.model_dump(mode="json"), []


def _page(
    page: Page,
    policy: Policy,
    *,
    answers: dict[str, str],
    result: dict[str, Any] | None,
    errors: list[tuple[str, str]],
    status: int = 200,
    conflict_case: str | None = None,
) -> HTMLResponse:
    return render(
        page.request,
        "evaluate.html",
        status_code=status,
        title="评估",
        groups=form_groups(policy),
        answers=answers,
        panel=build_panel(result, policy) if result else None,
        errors=errors,
        idem=answers.get("idem") or secrets.token_urlsafe(16),
        today=datetime.now(BEIJING).date().isoformat(),
        conflict_case=conflict_case,
    )


@router.get("")
def intake(page: PageDep, policy: PolicyDep, evaluator: EvaluatorDep) -> HTMLResponse:
    """The empty intake, with the first questions to ask."""
    page.require("caseworker", "admin")
    region = page.principal.region
    answers = {"region_code": region} if region and not region.endswith("00") else {}
    profile = {"region_code": region} if answers else {}
    result, _ = _evaluate(page, evaluator, profile, None)
    return _page(page, policy, answers=answers, result=result, errors=[])


def _read(
    policy: Policy, form: FormData
) -> tuple[dict[str, Any], dict[str, str], str | None, list[tuple[str, str]]]:
    profile, answers, problems = read_profile(policy, form)
    as_of = _as_of(form, problems)
    for key in (*IDENTITY, "as_of", "idem"):
        raw = form.get(key)
        answers[key] = raw.strip() if isinstance(raw, str) else ""
    return profile, answers, as_of, problems


@router.post("/panel")
def live_panel(
    page: PageDep, form: FormDep, policy: PolicyDep, evaluator: EvaluatorDep
) -> HTMLResponse:
    """The result panel for the answers so far (htmx swaps it in as she answers)."""
    page.require("caseworker", "admin")
    profile, _, as_of, problems = _read(policy, form)
    result, more = (None, []) if problems else _evaluate(page, evaluator, profile, as_of)
    return render(
        page.request,
        "_panel.html",
        panel=build_panel(result, policy) if result else None,
        errors=problems + more,
    )


@router.post("")
def evaluate_page(
    page: PageDep, form: FormDep, policy: PolicyDep, evaluator: EvaluatorDep
) -> HTMLResponse:
    """The same without JavaScript: the whole page with its result."""
    page.require("caseworker", "admin")
    profile, answers, as_of, problems = _read(policy, form)
    result, more = (None, []) if problems else _evaluate(page, evaluator, profile, as_of)
    errors = problems + more
    return _page(
        page, policy, answers=answers, result=result, errors=errors, status=422 if errors else 200
    )


def _identity_problems(answers: dict[str, str]) -> list[tuple[str, str]]:
    problems = []
    if not answers["name"]:
        problems.append(("name", "姓名：请填写"))
    if not answers["village"]:
        problems.append(("village", "村（社区）：请填写"))
    return problems


@router.post("/save")
def save(
    page: PageDep,
    form: FormDep,
    policy: PolicyDep,
    evaluator: EvaluatorDep,
    session: SessionDep,
    ledger: LedgerDep,
) -> Response:
    """Record the case (POST /v1/cases's own function: access, region check, audit)."""
    page.require("caseworker", "admin")
    profile, answers, as_of, problems = _read(policy, form)
    problems += _identity_problems(answers)
    if not problems:
        identity = {"name": answers["name"]}
        if answers["id_number"]:
            identity["id_number"] = answers["id_number"].upper()
        body: dict[str, Any] = {"profile": {**profile, **identity}, "village": answers["village"]}
        if as_of:
            body["as_of"] = as_of
        try:
            created = create_case(
                parse(CaseCreate, body),
                evaluator,
                session,
                ledger,
                page.principal,
                Response(),
                idempotency_key=answers["idem"] or None,
            )
        except REFUSALS as exc:
            error = as_api_error(exc)
            if isinstance(error, ConflictError):
                detail = error.detail if isinstance(error.detail, dict) else {}
                return _page(
                    page,
                    policy,
                    answers=answers,
                    result=None,
                    errors=[("id_number", str(detail.get("zh", "")))],
                    status=409,
                    conflict_case=detail.get("case_id"),
                )
            if not isinstance(error, InvalidRequestError):
                raise error from exc
            problems = problems_of(evaluator.policy, error)
        else:
            return RedirectResponse(f"/app/cases/{created['id']}?saved=1", status_code=303)
    result, _ = _evaluate(page, evaluator, profile, as_of)
    if result is None:
        result, _ = _evaluate(page, evaluator, {}, as_of)
    return _page(page, policy, answers=answers, result=result, errors=problems, status=422)
