"""POST /v1/policies/impact (a draft's impact on the caseload, in the background) and its
status route. The draft is a zip of YAML files or one YAML file, linted before anything runs."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from api.access import NOTHING, region_filter, require
from api.auth import PrincipalDep
from api.bodies import ID_PATTERN, REGION_PATTERN
from api.deps import LedgerDep, PolicyService, PolicyServiceDep, SessionDep
from api.error_models import ledger_responses
from api.errors import InvalidRequestError, PayloadTooLargeError, message
from api.strict import StrictRoute
from api.text import IsoDate
from engine import FieldError, PolicyError
from engine.sources import load_sources, overlay
from ledger.db import Ledger
from ledger.impact.export import write_report
from ledger.impact.jobs import find_job, job_out, start_job
from ledger.impact.report import from_json
from ledger.principal import Principal

router = APIRouter(prefix="/v1/policies", tags=["policies"], route_class=StrictRoute)
DRAFT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "草案：一个 zip（policies/ 的改动）或一个 YAML 文件 / a zip or one YAML",
        "content": {
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
            "application/x-yaml": {"schema": {"type": "string"}},
        },
    }
}

MAX_DRAFT_BYTES = 2 * 1024 * 1024
MAX_FILES = 200
ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}


def _bad(zh: str, en: str, field: str = "draft") -> InvalidRequestError:
    return InvalidRequestError([FieldError(field, zh, en)])


def draft_files(body: bytes, content_type: str, name: str) -> list[tuple[str, bytes]]:
    """The draft's files: every .yaml of a zip, or the one YAML file as `name`."""
    if content_type in ZIP_TYPES or body[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(body))
        except zipfile.BadZipFile as exc:
            raise _bad("不是有效的 zip 文件", "Not a valid zip file") from exc
        entries = [i for i in archive.infolist() if not i.is_dir() and i.filename.endswith(".yaml")]
        if not entries:
            raise _bad("zip 中没有 .yaml 文件", "The zip holds no .yaml file")
        if len(entries) > MAX_FILES or sum(i.file_size for i in entries) > 4 * MAX_DRAFT_BYTES:
            raise _bad("zip 中的文件过多或过大", "Too many or too large files in the zip")
        return [(i.filename, archive.read(i)) for i in entries]
    if not name.endswith(".yaml") or ".." in name.split("/") or name.startswith("/"):
        raise _bad("文件名应以 .yaml 结尾且不含 ..", "The file name must end in .yaml", "file")
    return [(name, body)]


@router.post(
    "/impact",
    status_code=202,
    responses=ledger_responses(403, 413, 422),
    openapi_extra=DRAFT_BODY,
)
async def impact(
    request: Request,
    service: PolicyServiceDep,
    ledger: LedgerDep,
    principal: PrincipalDep,
    region: Annotated[str | None, Query(pattern=REGION_PATTERN)] = None,
    as_of: Annotated[IsoDate | None, Query()] = None,
    file: Annotated[str, Query(description="单个 YAML 文件的文件名 / name of a single YAML")] = (
        "draft.yaml"
    ),
) -> dict[str, Any]:
    """草案对台账的影响（后台任务）/ Replay every open case under the current set and the
    draft (a zip or one YAML file, linted first: 422 lists file:line); answers 202 with the
    job, whose status is at GET /v1/policies/impact/{id}."""
    require(principal, "policy", "admin")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_DRAFT_BYTES:
            raise PayloadTooLargeError(
                message(f"草案超过 {MAX_DRAFT_BYTES} 字节", f"Draft over {MAX_DRAFT_BYTES} bytes")
            )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return await run_in_threadpool(
        _start, service, ledger, principal, bytes(body), content_type, file, region, as_of
    )


def _start(
    service: PolicyService,
    ledger: Ledger,
    principal: Principal,
    body: bytes,
    content_type: str,
    file: str,
    region: str | None,
    as_of: date | None,
) -> dict[str, Any]:
    """Lint the draft and start the job (in the threadpool: loading a set is CPU work)."""
    files = draft_files(body, content_type, file)
    scope = region_filter(principal, region)
    if scope == NOTHING:
        raise _bad("不在你的辖区内", "Outside your region", "region")
    base = service.policy
    try:
        draft = load_sources(overlay(base.sources, files))
    except PolicyError as exc:
        raise InvalidRequestError(
            [FieldError("draft", str(issue), str(issue)) for issue in exc.issues]
        ) from exc
    job = start_job(
        ledger.engine,
        base,
        draft,
        as_of=as_of or date.today(),
        region=scope,
        actor=principal.name,
    )
    out = job_out(job, with_report=False)
    out["status_url"] = f"/v1/policies/impact/{job.id}"
    return out


@router.get("/impact/{job_id}", responses=ledger_responses(403, 404))
def impact_status(
    job_id: Annotated[str, PathParam(pattern=ID_PATTERN)],
    session: SessionDep,
    service: PolicyServiceDep,
    principal: PrincipalDep,
    format: Annotated[str | None, Query(pattern=r"^(xlsx|csv|json)$")] = None,
) -> Any:
    """影响测算任务的进度与报告 / A job's progress, and its report once done
    (`?format=xlsx|csv|json` downloads it: case numbers only, never identity)."""
    require(principal, "policy", "admin")
    job = find_job(session, job_id)
    if format is None or job.status != "done" or job.report is None:
        return job_out(job)
    return _download(job.report, format, service)


def _download(report: dict[str, Any], format: str, service: PolicyService) -> Response:
    if format == "json":
        return Response(json.dumps(report, ensure_ascii=False), media_type="application/json")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"impact.{format}"
        write_report(from_json(report), service.policy.catalog, path)
        data = path.read_bytes()
    media = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv; charset=utf-8",
    }[format]
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="impact.{format}"'},
    )
