"""GET /v1/catalog: facts with labels and allowed values, classifications, codes, departments,
parameters."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import PrincipalDep
from api.deps import PolicyDep
from api.schemas import (
    CatalogOut,
    ClassificationOut,
    CodeOut,
    DepartmentOut,
    FactOut,
    FactValueOut,
    ParameterOut,
)
from api.strict import StrictRoute
from api.text import Text
from engine import Policy
from engine.result import DepartmentsOut

router = APIRouter(prefix="/v1", tags=["catalog"], route_class=StrictRoute)


@router.get("/catalog", response_model=CatalogOut)
def get_catalog(policy: PolicyDep, principal: PrincipalDep) -> CatalogOut:
    """事实目录（事实、分类、事项、部门、参数）/ The catalog the rules are written against."""
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
                label=Text(zh=f.zh, en=f.en),
                values=[
                    FactValueOut(value=v, label=Text(zh=lab.zh, en=lab.en))
                    for v, lab in f.values.items()
                ]
                if f.values
                else None,
                absent=f.absent,
                question=Text(zh=f.question.zh, en=f.question.en) if f.question else None,
                unit=f.unit,
                min=f.min,
            )
            for name, f in cat.facts.items()
        ],
        classifications=[
            ClassificationOut(name=name, label=Text(zh=c.zh, en=c.en))
            for name, c in cat.classifications.items()
        ],
        codes=[
            CodeOut(
                code=code,
                name=Text(zh=c.zh, en=c.en),
                category=c.category,
                kind=c.kind,
                urgent=c.urgent,
                departments=DepartmentsOut(lead=c.departments.lead, support=c.departments.support),
            )
            for code, c in cat.codes.items()
        ],
        departments=[
            DepartmentOut(
                code=code, name=Text(zh=d.zh, en=d.en), national=d.national, signatory=d.signatory
            )
            for code, d in cat.departments.items()
        ],
        parameters=[
            ParameterOut(
                name=name,
                type=p.type,
                label=Text(zh=p.zh, en=p.en),
                unit=p.unit,
                default=p.default,
                overridable=p.overridable,
                direction=p.direction,
                basis=p.basis,
            )
            for name, p in cat.parameters.items()
        ],
    )
