"""The ledger's cases: create, read, update (If-Match), reassess, close."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from sqlmodel import Session, col, select

from api.access import HiddenError, in_region, region_filter, require, visible_case
from api.auth import PrincipalDep
from api.bodies import CaseCreate, ProfileUpdate, Reassess, if_match_version, parse
from api.conflicts import hidden_conflicts, refuse_hidden_replay
from api.deps import EvaluatorDep, JsonBody, LedgerDep, PolicyDep, SessionDep
from api.errors import (
    ForbiddenError,
    InvalidRequestError,
    ledger_responses,
    message,
)
from engine import FieldError, Policy
from ledger import cases as service
from ledger.audit import record, record_shown, shown_fields
from ledger.cases import Outcome
from ledger.models import Assessment, Case, Referral
from ledger.principal import Principal
from ledger.queries import case_detail, list_cases, referral_out
from ledger.referrals import STATUSES

router = APIRouter(prefix="/v1/cases", tags=["ledger"])

REGION = Query(pattern=r"^[1-9][0-9]{5}$", description="行政区划代码（作前缀）/ region prefix")


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


def _check_region_of(principal: Principal, profile: dict[str, Any]) -> None:
    """A region-bound caseworker records only women of her region."""
    if principal.region is None:
        return
    code = profile.get("region_code") if isinstance(profile, dict) else None
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

    if isinstance(code, str) and not in_region(principal, code):
        raise ForbiddenError(
            message(
                f"不能登记辖区 {principal.region} 以外的个案",
                f"Cases outside {principal.region} are not yours to record",
            )
        )


@router.post("", status_code=201, responses=ledger_responses(400, 401, 403, 409, 413, 422, 500))
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
    require(principal, "caseworker", "admin")
    request = parse(CaseCreate, body)
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


@router.get("", responses=ledger_responses(401, 403, 422))
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
    village: Annotated[str | None, Query(max_length=100, description="村（社区）")] = None,
    referral_status: Annotated[
        str | None, Query(pattern=f"^({'|'.join(STATUSES)})$", description="有某状态的转介")
    ] = None,
    review_overdue: Annotated[bool, Query(description="只列出复核已逾期的个案")] = False,
    q: Annotated[
        str | None, Query(max_length=100, description="姓名（或其开头）或身份证号后四位")
    ] = None,
) -> dict[str, Any]:
    """个案列表（姓名脱敏）/ Cases by region, classification, code, review, status, village,
    referral status, name or the ID number's last four."""
    require(principal, "caseworker", "admin")
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


@router.get("/{case_id}", responses=ledger_responses(401, 403, 404))
def case(
    case_id: str, session: SessionDep, policy: PolicyDep, principal: PrincipalDep
) -> dict[str, Any]:
    """个案详情 / A case: current profile, every assessment, every referral and its history."""
    require(principal, "caseworker", "admin", "department")
    found = visible_case(principal, service.find_case(session, case_id))
    if principal.role == "department":
        payload = _department_view(session, policy, principal, found)
    else:
        payload = case_detail(session, found)
    record(session, principal, "case_read", case_id=found.id, fields=shown_fields(payload))
    return payload


@router.put(
    "/{case_id}/profile",
    responses=ledger_responses(400, 401, 403, 404, 409, 412, 413, 422, 428, 500),
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
    require(principal, "caseworker", "admin")
    visible_case(principal, service.find_case(session, case_id))
    version = if_match_version(if_match, required=True)
    assert version is not None
    request = parse(ProfileUpdate, body)
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
    "/{case_id}/reassess", responses=ledger_responses(400, 401, 403, 404, 409, 413, 422, 500)
)
def reassess(
    case_id: str,
    body: JsonBody,
    evaluator: EvaluatorDep,
    session: SessionDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """重新评估（半年复核）/ Re-evaluate under the current policies; moves the review date."""
    require(principal, "caseworker", "admin")
    visible_case(principal, service.find_case(session, case_id))
    request = parse(Reassess, body)
    outcome = service.reassess(
        session,
        evaluator,
        case_id=case_id,
        as_of=request.as_of or date.today(),
        actor=principal.name,
    )
    record(session, principal, "case_reassessed", case_id=case_id)
    return _created(outcome)


__all__ = ["referral_out", "router"]
