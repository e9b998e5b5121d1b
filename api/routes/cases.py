"""The ledger's cases: create, read, update (If-Match), reassess, close."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from api.deps import EvaluatorDep, JsonBody, LedgerDep, SessionDep
from api.errors import IfMatchRequiredError, InvalidRequestError, ledger_responses, message
from api.ledger import cases as service
from api.ledger.cases import Outcome
from api.ledger.queries import case_detail, case_summary, list_cases, referral_out
from api.ledger.requests import CaseCreate, CloseCase, ProfileUpdate, Reassess, parse
from api.principal import PrincipalDep
from engine import FieldError

router = APIRouter(prefix="/v1/cases", tags=["ledger"])

REGION = Query(pattern=r"^[1-9]\d{5}$", description="行政区划代码（作前缀）/ region prefix")


def _created(outcome: Outcome) -> dict[str, Any]:
    case = outcome.case
    return {
        "id": case.id,
        "version": case.version,
        "assessment": outcome.assessment.result,
        "referrals": [
            {
                "id": r.id,
                "department": r.department,
                "codes": list(r.codes),
                "status": r.status,
                "urgent": r.urgent,
            }
            for r in outcome.sync.referrals
        ],
        "next_review_due": case.next_review_due.isoformat() if case.next_review_due else None,
        "changes": outcome.changes or None,
    }


@router.post("", status_code=201, responses=ledger_responses(400, 409, 413, 422, 500))
def create_case(
    body: JsonBody,
    evaluator: EvaluatorDep,
    session: SessionDep,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """记录一个个案并评估 / Record a case: first assessment, referrals, next review date."""
    request = parse(CaseCreate, body)
    outcome = service.create_case(
        session,
        evaluator,
        profile=request.profile,
        village=request.village,
        as_of=request.as_of or date.today(),
        actor=principal.name,
        secret=ledger.secret,
        idempotency_key=idempotency_key,
    )
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return _created(outcome)


@router.get("", responses=ledger_responses(422))
def cases(
    session: SessionDep,
    principal: PrincipalDep,
    region: Annotated[str | None, REGION] = None,
    classification: Annotated[str | None, Query(max_length=64)] = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
    review_due: Annotated[bool, Query(description="只列出到期复核的个案")] = False,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """个案列表（姓名脱敏）/ Cases by region, classification, code, review due, status."""
    return list_cases(
        session,
        region=region,
        classification=classification,
        code=code,
        review_due_on=date.today() if review_due else None,
        status=status,
        page=page,
        page_size=page_size,
    )


@router.get("/{case_id}", responses=ledger_responses(404))
def case(case_id: str, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """个案详情 / A case: current profile, every assessment, every referral and its history."""
    return case_detail(session, service.find_case(session, case_id))


def _version(if_match: str | None) -> int:
    if if_match is None:
        raise IfMatchRequiredError(
            message(
                "修改个案需要 If-Match 头（当前版本号）",
                "Updating a case needs an If-Match header (its version)",
            )
        )
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InvalidRequestError(
            [FieldError("If-Match", "应为版本号（整数）", "must be the case version (an integer)")]
        )
    return int(text)


@router.put(
    "/{case_id}/profile", responses=ledger_responses(400, 404, 409, 412, 413, 422, 428, 500)
)
def update_profile(
    case_id: str,
    body: JsonBody,
    evaluator: EvaluatorDep,
    session: SessionDep,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """更新画像（If-Match 版本）/ New profile version: codes gained, lost, changed."""
    version = _version(if_match)
    request = parse(ProfileUpdate, body)
    outcome = service.update_profile(
        session,
        evaluator,
        case_id=case_id,
        if_match=version,
        profile=request.profile,
        as_of=request.as_of or date.today(),
        actor=principal.name,
        secret=ledger.secret,
    )
    response.headers["ETag"] = f'"{outcome.case.version}"'
    return _created(outcome)


@router.post("/{case_id}/reassess", responses=ledger_responses(400, 404, 413, 422, 500))
def reassess(
    case_id: str,
    body: JsonBody,
    evaluator: EvaluatorDep,
    session: SessionDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """重新评估（半年复核）/ Re-evaluate under the current policies; moves the review date."""
    request = parse(Reassess, body)
    outcome = service.reassess(
        session,
        evaluator,
        case_id=case_id,
        as_of=request.as_of or date.today(),
        actor=principal.name,
    )
    return _created(outcome)


@router.post("/{case_id}/close", responses=ledger_responses(400, 404, 409, 413, 422))
def close(
    case_id: str, body: JsonBody, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """关闭个案（不删除）/ Close a case; it stays in the ledger, open referrals are withdrawn."""
    request = parse(CloseCase, body)
    closed = service.close_case(session, case_id=case_id, actor=principal.name, note=request.note)
    return case_summary(closed)


__all__ = ["referral_out", "router"]
