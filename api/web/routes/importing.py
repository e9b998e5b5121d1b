"""/app/import — upload a 摸排表 (CSV or XLSX): it is read at once (a file that cannot be
imported is refused on the page), then imported in the background; its page polls a status
fragment (htmx) until the result, with the error report to download. Also the blank template
(XLSX with drop-down lists) to download."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.deps import PolicyDep, SessionDep
from api.errors import NotFoundError, message
from api.web.auth import FormDep, Page, PageDep
from api.web.imports import Job, Jobs
from api.web.templating import render
from ledger.audit import record
from ledger.principal import Role
from ledger.survey import REPORT_HEADER, SurveyError, map_columns, read_sheet
from ledger.survey.template import blank_survey

router = APIRouter(prefix="/app/import", include_in_schema=False)
MAX_BYTES = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLES: tuple[Role, ...] = ("caseworker", "admin")


def jobs_of(request: Request) -> Jobs:
    """The import jobs of this process (made on first use)."""
    jobs: Jobs | None = getattr(request.app.state, "survey_jobs", None)
    if jobs is None:
        jobs = request.app.state.survey_jobs = Jobs()
    return jobs


def _form_page(page: Page, errors: list[tuple[str, str]], status: int = 200) -> HTMLResponse:
    return render(
        page.request, "import.html", status_code=status, title="导入摸排表", errors=errors
    )


@router.get("")
def import_form(page: PageDep) -> HTMLResponse:
    """导入摸排表."""
    page.require(*ROLES)
    return _form_page(page, [])


@router.get("/template.xlsx")
def template(page: PageDep, policy: PolicyDep) -> Response:
    """空白摸排表（XLSX，含下拉选项）."""
    page.require(*ROLES)
    return Response(
        blank_survey(policy.catalog.facts),
        media_type=XLSX,
        headers={
            "Content-Disposition": 'attachment; filename="survey-template.xlsx"; '
            "filename*=UTF-8''%E6%91%B8%E6%8E%92%E8%A1%A8.xlsx"
        },
    )


async def _saved(upload: UploadFile) -> Path | None:
    """The upload in a temporary file (None when it is too large)."""
    suffix = ".xlsx" if (upload.filename or "").lower().endswith(".xlsx") else ".csv"
    handle, name = tempfile.mkstemp(prefix="guanai-survey-", suffix=suffix)
    size = 0
    with open(handle, "wb") as out:  # noqa: PTH123 - a descriptor, not a path
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_BYTES:
                out.close()
                Path(name).unlink()
                return None
            out.write(chunk)
    return Path(name)


@router.post("")
async def upload_survey(request: Request, page: PageDep, form: FormDep) -> Response:
    """Read the file now (off the event loop), then import it in the background."""
    page.require(*ROLES)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _form_page(page, [("file", "请选择要导入的摸排表（CSV 或 XLSX）")], status=422)
    path = await _saved(upload)
    if path is None:
        return _form_page(page, [("file", f"文件超过 {MAX_BYTES // 1024 // 1024} MB")], status=413)
    raw_day = form.get("as_of")
    day = date.today()
    if isinstance(raw_day, str) and raw_day.strip():
        try:
            day = date.fromisoformat(raw_day.strip())
        except ValueError:
            path.unlink()
            return _form_page(page, [("as_of", "评估日期：应为日期，如 2025-06-01")], status=422)
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_start, request, page, path, upload.filename, day)


def _start(request: Request, page: Page, path: Path, file_name: str, day: date) -> Response:
    service = request.app.state.policies
    try:
        sheet = read_sheet(path)
        columns = map_columns(sheet.headers, service.policy.catalog.facts, sheet.header_row)
    except SurveyError as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        return _form_page(page, [("file", f"无法导入：{exc.zh}")], status=422)
    job = jobs_of(request).start(
        request.app.state.ledger,
        service,
        page.principal,
        path,
        Path(file_name).name,
        columns,
        sheet.rows,
        day,
    )
    return RedirectResponse(f"/app/import/{job.id}", status_code=303)


def _job(request: Request, page: Page, job_id: str) -> Job:
    job = jobs_of(request).get(job_id[:32], page.principal)
    if job is None:
        raise NotFoundError(message("没有这次导入（可能已过期）", "No such import"))
    return job


@router.get("/{job_id}")
def import_job(job_id: str, request: Request, page: PageDep) -> HTMLResponse:
    """一次导入：进度与结果."""
    page.require(*ROLES)
    job = _job(request, page, job_id)
    return render(request, "import_job.html", title="导入摸排表", job=job)


@router.get("/{job_id}/status")
def import_status(job_id: str, request: Request, page: PageDep) -> HTMLResponse:
    """The status fragment the job's page polls."""
    page.require(*ROLES)
    return render(request, "_import_status.html", job=_job(request, page, job_id))


def _report_csv(job: Job) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_HEADER)
    for p in sorted(job.report.problems, key=lambda p: p.row):
        writer.writerow((p.row, p.field, p.zh, p.en))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@router.get("/{job_id}/errors.csv")
def error_report(job_id: str, request: Request, page: PageDep, session: SessionDep) -> Response:
    """导入错误报告（CSV，UTF-8 带 BOM）."""
    page.require(*ROLES)
    job = _job(request, page, job_id)
    record(session, page.principal, "survey_report_downloaded", failed=job.report.failed)
    return Response(
        _report_csv(job),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="import-errors.csv"; '
            "filename*=UTF-8''%E5%AF%BC%E5%85%A5%E9%94%99%E8%AF%AF.csv"
        },
    )


__all__ = ["Annotated", "router"]
