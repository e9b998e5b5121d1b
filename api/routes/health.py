"""GET /healthz."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PolicyDep
from api.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut)
def healthz(policy: PolicyDep) -> HealthOut:
    """The service is up and serving a compiled policy."""
    return HealthOut(status="ok", policy_version=policy.version)
