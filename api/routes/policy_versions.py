"""Every policy version kept: GET /v1/policies/{version}, the diff of two, and an old
assessment explained again under the set that made it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.access import allow, visible_case
from api.auth import PrincipalDep
from api.bodies import ID_PATTERN
from api.deps import PolicyServiceDep, SessionDep
from api.error_models import ledger_responses
from api.openapi import VERSION_LINKS, links
from api.routes.policies import policies_of
from api.schemas import ExplainedAgainOut, PolicyDiffOut, PolicyVersionsOut, StoredPoliciesOut
from api.strict import StrictRoute
from api.text import NO_NUL
from engine import Policy
from engine.diff import diff_policies
from ledger import cases as case_service
from ledger.audit import record
from ledger.policy_versions import explain_again, find_version, list_versions, normalise
from ledger.principal import Principal

router = APIRouter(prefix="/v1", tags=["policies"], route_class=StrictRoute)
VersionText = Annotated[str, Path(max_length=80, pattern=NO_NUL, description="政策版本 / version")]
Caseworker = Annotated[Principal, Depends(allow("caseworker", "admin"))]


def policy_of(service: PolicyServiceDep, session: SessionDep, version: str) -> Policy:
    """The set in service, or a stored one (loaded once and kept for a while)."""
    if normalise(version) == service.policy.version:
        return service.policy
    return service.stored.get(session, find_version(session, version).version).policy


@router.get(
    "/policies/versions", response_model=PolicyVersionsOut, responses=links(200, VERSION_LINKS)
)
def versions(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """每个提供过服务的政策版本 / Every policy version served, the first served first."""
    return {
        "versions": [
            {
                "policy_version": row.version,
                "rules": row.rules,
                "parameter_files": row.parameter_files,
                "first_served_at": row.first_served_at.isoformat(),
                "activated_at": row.activated_at.isoformat(),
            }
            for row in list_versions(session)
        ]
    }


@router.get("/policies/diff", response_model=PolicyDiffOut, responses=ledger_responses(404))
def diff(
    service: PolicyServiceDep,
    session: SessionDep,
    principal: PrincipalDep,
    a: Annotated[str, Query(max_length=80, pattern=NO_NUL, description="原版本 / older")],
    b: Annotated[str, Query(max_length=80, pattern=NO_NUL, description="新版本 / newer")],
) -> dict[str, Any]:
    """两个政策版本的差异 / What changed between two versions: rules and parameter values."""
    return diff_policies(policy_of(service, session, a), policy_of(service, session, b)).as_json()


@router.get(
    "/policies/{version}", response_model=StoredPoliciesOut, responses=ledger_responses(404)
)
def policy_version(
    version: VersionText, service: PolicyServiceDep, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """某个政策版本的全部内容 / A stored set: what it held, and every file as served."""
    row = find_version(session, version)
    out = policies_of(policy_of(service, session, row.version)).model_dump(mode="json")
    out["first_served_at"] = row.first_served_at.isoformat()
    out["sources"] = row.files
    return out


@router.get(
    "/cases/{case_id}/assessments/{assessment_id}/explain",
    response_model=ExplainedAgainOut,
    responses=ledger_responses(404),
)
def explain(
    case_id: Annotated[str, Path(pattern=ID_PATTERN, description="个案编号 / case id")],
    assessment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    service: PolicyServiceDep,
    session: SessionDep,
    principal: Caseworker,
) -> dict[str, Any]:
    """在当时的政策版本下重新解释一份旧评估 / An old assessment evaluated again under the set
    that made it, on its own date; `same` says whether it still comes out the same."""
    visible_case(principal, case_service.find_case(session, case_id))
    assessment, result = explain_again(session, service.stored, case_id, assessment_id)
    record(session, principal, "assessment_explained", case_id=case_id)
    return {
        "assessment_id": assessment.id,
        "policy_version": assessment.policy_version,
        "as_of": assessment.as_of.isoformat(),
        "same": result == assessment.result,
        "result": result,
    }
