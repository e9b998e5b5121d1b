"""The ledger's cases: create, read, update (If-Match), reassess, close."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from sqlmodel import Session, col, select

from api.access import HiddenError, allow, in_region, region_filter, visible_case
from api.bodies import ID_PATTERN, REGION_PATTERN, CaseCreate, ProfileUpdate, Reassess, Word
from api.conflicts import hidden_conflicts, refuse_hidden_replay
from api.deps import EvaluatorDep, LedgerDep, PolicyDep, SessionDep
from api.error_models import ledger_responses
from api.errors import ForbiddenError, InvalidRequestError
from api.headers import IfMatch, if_match_version
from api.openapi import CASE_LINKS, LISTED_CASE_LINKS, links
from api.strict import StrictRoute
from api.text import NO_NUL
from api.text import text as message
from api.views import (
    CaseDetail,
    CaseOutcome,
    CasePage,
    CaseStatus,
    DepartmentCaseView,
    ReferralStatus,
)
from engine import FieldError, Policy, Profile
from ledger import cases as service
from ledger.audit import record, record_shown, shown_fields
from ledger.cases import Outcome
from ledger.models import Assessment, Case, Referral
from ledger.principal import Principal
from ledger.queries import case_detail, list_cases, referral_out

router = APIRouter(prefix="/v1/cases", tags=["ledger"], route_class=StrictRoute)

REGION = Query(pattern=REGION_PATTERN, description="行政区划代码（作前缀）/ region prefix")
CaseId = Annotated[str, Path(pattern=ID_PATTERN, description="个案编号 / case id")]
Caseworker = Annotated[Principal, Depends(allow("caseworker", "admin"))]
Reader = Annotated[Principal, Depends(allow("caseworker", "admin", "department"))]


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


def _check_region_of(principal: Principal, profile: Profile) -> None:
    """A region-bound caseworker records only women of her region."""
    if principal.region is None:
        return
    code = profile.region_code
    if code is None:
        raise InvalidRequestError(
            [
                FieldError(
                    "profile.region_code",
                    f"必须填写，且在 {principal.region} 辖区内",
                    f"required, inside {principal.region}",
                )
            ]
        )

    if not in_region(principal, code):
        raise ForbiddenError(
            message(
                f"不能登记辖区 {principal.region} 以外的个案",
                f"Cases outside {principal.region} are not yours to record",
            )
        )


@router.post(
    "",
    status_code=201,
    response_model=CaseOutcome,
    responses={**ledger_responses(409, 500), **links(201, CASE_LINKS)},
)
def create_case(
    request: CaseCreate,
    evaluator: EvaluatorDep,
    session: SessionDep,
    ledger: LedgerDep,
    principal: Caseworker,
    response: Response,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, Any]:
    """记录一个个案并评估（首次评估、转介、复核日期）/ Record a case and assess it."""
    _check_region_of(principal, request.profile)
    with hidden_conflicts(session, principal):
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
    response.headers["ETag"] = f'"{outcome.case.version}"'
    if outcome.replayed:
        refuse_hidden_replay(session, principal, outcome.case)
        response.headers["Idempotent-Replayed"] = "true"
    record(
        session,
        principal,
        "case_replayed" if outcome.replayed else "case_created",
        case_id=outcome.case.id,
    )
    return _created(outcome)


@router.get("", response_model=CasePage, responses=links(200, LISTED_CASE_LINKS))
def cases(
    session: SessionDep,
    principal: Caseworker,
    region: Annotated[str | None, REGION] = None,
    classification: Annotated[Word | None, Query()] = None,
    code: Annotated[Word | None, Query()] = None,
    review_due: Annotated[bool, Query(description="只列出到期复核的个案")] = False,
    status: CaseStatus | None = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    village: Annotated[
        str | None, Query(max_length=100, pattern=NO_NUL, description="村（社区）")
    ] = None,
    referral_status: Annotated[ReferralStatus | None, Query(description="有某状态的转介")] = None,
    review_overdue: Annotated[bool, Query(description="只列出复核已逾期的个案")] = False,
    q: Annotated[
        str | None,
        Query(max_length=100, pattern=NO_NUL, description="姓名（或其开头）或身份证号后四位"),
    ] = None,
) -> dict[str, Any]:
    """个案列表（姓名脱敏；按辖区、分类、事项、复核、状态、村、转介状态、姓名或后四位）/ Cases."""
    today = date.today()
    listed = list_cases(
        session,
        region=region_filter(principal, region),
        classification=classification,
        code=code,
        review_due_on=today if review_due else None,
        review_overdue_on=today if review_overdue else None,
        status=status,
        village=village or None,
        referral_status=referral_status,
        search=q or None,
        page=page,
        page_size=page_size,
    )
    record_shown(
        session,
        principal,
        "cases_listed",
        [item["id"] for item in listed["items"]],
        fields=["identity.name", "identity.id_last4"],
        region=region,
    )
    return listed


def _department_view(
    session: Session, policy: Policy, principal: Principal, case: Case
) -> dict[str, Any]:
    """What a department may see of a case it was referred: masked identity, the facts its
    referred codes' conditions read, its own referrals and their results."""
    mine = [
        r
        for r in session.exec(select(Referral).where(Referral.case_id == case.id)).all()
        if r.department == principal.department
    ]
    if not mine:
        raise HiddenError("case", case.id)
    codes = sorted({c for r in mine for c in r.codes})
    full = case_detail(session, case)
    allowed = set(policy.facts_read_by(codes))
    latest = session.exec(
        select(Assessment).where(Assessment.case_id == case.id).order_by(col(Assessment.id).desc())
    ).first()
    results = [r for r in (latest.result["results"] if latest else []) if r["code"] in codes]
    return {
        "id": case.id,
        "region_code": case.region_code,
        "village": case.village,
        "identity": full["identity"],
        "status": case.status,
        "profile": {k: v for k, v in full["profile"].items() if k in allowed},
        "results": results,
        "referrals": [r for r in full["referrals"] if r["department"] == principal.department],
    }


@router.get(
    "/{case_id}",
    response_model=CaseDetail | DepartmentCaseView,
    responses=ledger_responses(404),
)
def case(
    case_id: CaseId, session: SessionDep, policy: PolicyDep, principal: Reader
) -> dict[str, Any]:
    """个案详情（当前画像、每次评估、每个转介及其经过）/ A case and its history."""
    found = visible_case(principal, service.find_case(session, case_id))
    if principal.role == "department":
        payload = _department_view(session, policy, principal, found)
    else:
        payload = case_detail(session, found)
    record(session, principal, "case_read", case_id=found.id, fields=shown_fields(payload))
    return payload


@router.put(
    "/{case_id}/profile",
    response_model=CaseOutcome,
    responses={**ledger_responses(404, 409, 412, 428, 500), **links(200, CASE_LINKS)},
)
def update_profile(
    case_id: CaseId,
    request: ProfileUpdate,
    evaluator: EvaluatorDep,
    session: SessionDep,
    ledger: LedgerDep,
    principal: Caseworker,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """更新画像（If-Match 当前版本；列出得失的事项）/ A new profile version."""
    visible_case(principal, service.find_case(session, case_id))
    version = if_match_version(if_match, required=True)
    assert version is not None
    _check_region_of(principal, request.profile)
    with hidden_conflicts(session, principal):
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
    record(session, principal, "profile_updated", case_id=case_id, version=outcome.case.version)
    return _created(outcome)


@router.post(
    "/{case_id}/reassess",
    response_model=CaseOutcome,
    responses={**ledger_responses(404, 409, 500), **links(200, CASE_LINKS)},
)
def reassess(
    case_id: CaseId,
    evaluator: EvaluatorDep,
    session: SessionDep,
    principal: Caseworker,
    response: Response,
    request: Reassess | None = None,
) -> dict[str, Any]:
    """重新评估（半年复核，按现行政策）/ Re-evaluate; moves the review date."""
    request = request or Reassess()
    visible_case(principal, service.find_case(session, case_id))
    outcome = service.reassess(
        session,
        evaluator,
        case_id=case_id,
        as_of=request.as_of or date.today(),
        actor=principal.name,
    )
    record(session, principal, "case_reassessed", case_id=case_id)
    response.headers["ETag"] = f'"{outcome.case.version}"'
    return _created(outcome)


__all__ = ["referral_out", "router"]
