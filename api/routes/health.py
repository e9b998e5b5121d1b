"""GET /healthz (liveness: the process answers) and GET /readyz (readiness: the database
answers and a compiled policy set is serving)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

from api.error_models import responses
from api.errors import NotReadyError, message
from api.schemas import HealthOut, ReadyOut
from api.strict import StrictRoute
from ledger.db import Ledger

router = APIRouter(tags=["health"], route_class=StrictRoute)


@router.get("/healthz", response_model=HealthOut)
def healthz(request: Request) -> HealthOut:
    """存活检查（进程在运行，不查数据库）/ Liveness: the process answers."""
    service = request.app.state.policies
    return HealthOut(status="ok", policy_version=service.policy.version)


@router.get("/readyz", response_model=ReadyOut, responses=responses(503))
def readyz(request: Request) -> ReadyOut:
    """就绪检查（数据库可用，政策已加载且与集群启用的版本一致；否则 503）
    / Readiness: database and policies."""
    service = getattr(request.app.state, "policies", None)
    ledger: Ledger | None = getattr(request.app.state, "ledger", None)
    if service is None or ledger is None:
        raise NotReadyError(message("服务尚未就绪", "Not ready yet"), headers={"Retry-After": "5"})
    if service.refused is not None:  # the others serve a set this process would not take
        raise NotReadyError(
            message(
                f"本进程拒绝了集群启用的政策版本 {service.refused}（保存的文件与版本号不符），"
                f"仍在使用 {service.policy.version}；请检查数据库中保存的政策文件",
                f"Refused the policy version the cluster put in service ({service.refused}); "
                f"still serving {service.policy.version}",
            ),
            headers={"Retry-After": "30"},
        )
    with ledger.engine.connect() as connection:  # down: 503 database_unavailable
        connection.execute(text("SELECT 1"))
    return ReadyOut(status="ready", database="ok", policy_version=service.policy.version)
