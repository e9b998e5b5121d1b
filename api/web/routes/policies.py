"""/app/policies (the policy explorer), /app/policies/diff and /app/policies/impact: pages
over the same functions as GET /v1/policies…, the diff and POST /v1/policies/impact."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import col, select

from api.deps import LedgerDep, PolicyServiceDep, SessionDep
from api.errors import InvalidRequestError
from api.routes.impact import _start
from api.routes.policy_versions import policy_of
from api.web.auth import FormDep, PageDep
from api.web.explorer import BASIS, explore
from api.web.templating import render
from engine.diff import diff_policies
from ledger.impact.jobs import find_job, job_out
from ledger.models import ImpactJob
from ledger.policy_versions import list_versions
from ledger.principal import Role

router = APIRouter(prefix="/app/policies", include_in_schema=False)
EVERYONE: tuple[Role, ...] = ("policy", "admin", "caseworker", "department")
REGION = Query(pattern=r"^([1-9]\d{5})?$")


@router.get("")
def explorer(
    page: PageDep,
    service: PolicyServiceDep,
    region: Annotated[str, REGION] = "",
    as_of: date | None = None,
) -> HTMLResponse:
    """政策浏览."""
    page.require(*EVERYONE)
    policy = service.policy
    day = as_of or date.today()
    groups = explore(policy, region or None, day)
    return render(
        page.request,
        "policies.html",
        title="政策浏览",
        groups=groups,
        region=region,
        day=day,
        basis=BASIS,
        version=policy.version,
        count=sum(len(g.entries) for g in groups),
    )


@router.get("/diff")
def diff(
    page: PageDep,
    service: PolicyServiceDep,
    session: SessionDep,
    a: str = "",
    b: str = "",
) -> HTMLResponse:
    """政策版本差异."""
    page.require(*EVERYONE)
    versions = list_versions(session)
    lines: list[str] = []
    if a and b:  # an unknown version is the ledger's 404, shown as a Chinese page
        lines = diff_policies(
            policy_of(service, session, a), policy_of(service, session, b)
        ).lines_zh()
    return render(
        page.request,
        "policy_diff.html",
        title="政策版本差异",
        versions=versions,
        a=a,
        b=b,
        lines=lines,
        current=service.policy.version,
    )


@router.get("/impact")
def impact_form(page: PageDep, session: SessionDep) -> HTMLResponse:
    """草案影响测算."""
    page.require("policy", "admin")
    jobs = session.exec(select(ImpactJob).order_by(col(ImpactJob.created_at).desc()).limit(10))
    return render(page.request, "policy_impact.html", title="草案影响测算", jobs=list(jobs),
                  errors=[])  # fmt: skip


@router.post("/impact", response_model=None)
async def impact_start(
    page: PageDep, form: FormDep, service: PolicyServiceDep, ledger: LedgerDep
) -> HTMLResponse | RedirectResponse:
    """Upload a draft (zip or one YAML) and start the replay."""
    page.require("policy", "admin")
    from starlette.concurrency import run_in_threadpool
    from starlette.datastructures import UploadFile

    upload = form.get("draft")
    region = str(form.get("region") or "").strip() or None
    as_of_text = str(form.get("as_of") or "").strip()
    errors: list[tuple[str, str]] = []
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.append(("draft", "请选择草案文件（zip 或 .yaml）"))
    if region is not None and not (len(region) == 6 and region.isdigit()):
        errors.append(("region", "行政区划代码应为6位数字"))
    try:
        as_of = date.fromisoformat(as_of_text) if as_of_text else None
    except ValueError:
        errors.append(("as_of", "评估日期应为 YYYY-MM-DD"))
        as_of = None
    if not errors and isinstance(upload, UploadFile):
        body = await upload.read()
        content_type = (upload.content_type or "").lower()
        try:
            job = await run_in_threadpool(
                _start, service, ledger, page.principal, body, content_type,
                upload.filename or "draft.yaml", region, as_of,
            )  # fmt: skip
        except InvalidRequestError as exc:
            errors += [("draft", str(problem["zh"])) for problem in exc.detail]
        else:
            return RedirectResponse(f"/app/policies/impact/{job['id']}", status_code=303)
    return render(page.request, "policy_impact.html", status_code=422, title="草案影响测算",
                  jobs=[], errors=errors)  # fmt: skip


@router.get("/impact/{job_id}")
def impact_job(
    page: PageDep, session: SessionDep, service: PolicyServiceDep, job_id: str
) -> HTMLResponse:
    """一次影响测算的结果."""
    page.require("policy", "admin")
    job = job_out(find_job(session, job_id))
    report: dict[str, Any] | None = job["report"]
    catalog = service.policy.catalog
    chart = None
    rows: list[tuple[str, int, int]] = []
    if report is not None:
        opened, closed = report["referrals"]["open"], report["referrals"]["no_longer_indicated"]
        names = {k: v.zh for k, v in catalog.departments.items()}
        rows = [
            (names.get(d, d), opened.get(d, 0), closed.get(d, 0))
            for d in dict.fromkeys([*opened, *closed])
        ]
        codes = list(report["codes"].items())
        chart = {
            "labels": [catalog.codes[c].zh if c in catalog.codes else c for c, _ in codes],
            "gained": [n["gained"] for _, n in codes],
            "lost": [n["lost"] for _, n in codes],
            "to_needs_info": [n["to_needs_info"] for _, n in codes],
        }
    return render(
        page.request,
        "policy_impact_job.html",
        title="草案影响测算结果",
        job=job,
        report=report,
        codes={k: v.zh for k, v in catalog.codes.items()},
        department_rows=rows,
        chart=json.dumps(chart, ensure_ascii=False) if chart else None,
    )
