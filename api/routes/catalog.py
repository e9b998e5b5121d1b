"""GET /v1/catalog: facts with labels and allowed values, classifications, codes, departments,
parameters."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import PrincipalDep
from api.deps import PolicyDep
from api.errors import responses
from api.schemas import (
    CatalogOut,
    ClassificationOut,
    CodeOut,
    DepartmentOut,
    FactOut,
    FactValueOut,
    Label,
    ParameterOut,
)
from engine import Policy
from engine.result import DepartmentsOut

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get("/catalog", response_model=CatalogOut, responses=responses(401))
def get_catalog(policy: PolicyDep, principal: PrincipalDep) -> CatalogOut:
    """The catalog the rules are written against, in catalog order."""
    return catalog_of(policy)


def catalog_of(policy: Policy) -> CatalogOut:
    """The catalog of a loaded policy as the API prints it."""
    cat = policy.catalog
    return CatalogOut(
        policy_version=policy.version,
        facts=[
            FactOut(
                name=name,
                type=f.type,
                label=Label(zh=f.zh, en=f.en),
                values=[
                    FactValueOut(value=v, label=Label(zh=lab.zh, en=lab.en))
                    for v, lab in f.values.items()
                ]
                if f.values
                else None,
                absent=f.absent,
                question=Label(zh=f.question.zh, en=f.question.en) if f.question else None,
                unit=f.unit,
                min=f.min,
            )
            for name, f in cat.facts.items()
        ],
        classifications=[
            ClassificationOut(name=name, label=Label(zh=c.zh, en=c.en))
            for name, c in cat.classifications.items()
        ],
        codes=[
            CodeOut(
                code=code,
                name=Label(zh=c.zh, en=c.en),
                category=c.category,
                kind=c.kind,
                urgent=c.urgent,
                departments=DepartmentsOut(lead=c.departments.lead, support=c.departments.support),
            )
            for code, c in cat.codes.items()
        ],
        departments=[
            DepartmentOut(
                code=code, name=Label(zh=d.zh, en=d.en), national=d.national, signatory=d.signatory
            )
            for code, d in cat.departments.items()
        ],
        parameters=[
            ParameterOut(
                name=name,
                type=p.type,
                label=Label(zh=p.zh, en=p.en),
                unit=p.unit,
                default=p.default,
                overridable=p.overridable,
                direction=p.direction,
                basis=p.basis,
            )
            for name, p in cat.parameters.items()
        ],
    )
