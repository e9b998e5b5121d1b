"""GET /v1/policies (what is loaded) and POST /v1/policies/reload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.access import allow
from api.auth import PrincipalDep
from api.deps import PolicyDep, PolicyServiceDep
from api.error_models import responses
from api.schemas import (
    CitationRef,
    DocumentOut,
    EffectiveOut,
    ParameterFileOut,
    PoliciesOut,
    ReloadOut,
    RuleOut,
)
from api.strict import StrictRoute
from engine import Policy
from ledger.principal import Principal

router = APIRouter(prefix="/v1", tags=["policies"], route_class=StrictRoute)


@router.get("/policies", response_model=PoliciesOut)
def get_policies(policy: PolicyDep, principal: PrincipalDep) -> PoliciesOut:
    """已加载的政策（文件、规则、参数、版本）/ The loaded documents, rules and parameters."""
    return policies_of(policy)


@router.post("/policies/reload", response_model=ReloadOut, responses=responses(409, 500))
def reload_policies(
    service: PolicyServiceDep, principal: Annotated[Principal, Depends(allow("admin"))]
) -> ReloadOut:
    """重新加载政策文件（有误则继续使用原有版本）/ Reload the policy files."""
    outcome = service.reload()
    return ReloadOut(
        policy_version=outcome.policy_version,
        previous_version=outcome.previous_version,
        changed=outcome.changed,
    )


def policies_of(policy: Policy) -> PoliciesOut:
    """What a loaded policy holds, as the API prints it."""
    return PoliciesOut(
        policy_version=policy.version,
        files=list(policy.files),
        documents=[
            DocumentOut(
                id=key,
                title=d.title,
                en=d.en,
                number=d.number,
                date=d.date,
                effective=d.effective,
                verified=d.verified,
            )
            for key, d in policy.catalog.documents.items()
        ],
        rules=[
            RuleOut(
                id=r.id,
                target=r.target,
                kind="code" if r.is_code else "classification",
                title=r.title,
                file=r.file,
                line=r.line,
                basis=r.basis,
                effective=EffectiveOut(start=r.start, to=r.end)
                if r.start is not None or r.end is not None
                else None,
                cite=[
                    CitationRef(
                        source=c.source, article=c.article, section=c.section, quote=c.quote
                    )
                    for c in r.cite
                ],
            )
            for r in policy.rules
        ],
        parameter_files=[
            ParameterFileOut(
                file=f.file, region=f.region, name=f.name, parameters=list(f.parameters)
            )
            for f in policy.parameter_files
        ],
    )
