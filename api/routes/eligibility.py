"""POST /v1/eligibility: one profile in, the evaluation result out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.access import allow
from api.bodies import EligibilityRequest
from api.deps import EvaluatorDep
from api.error_models import responses
from api.strict import StrictRoute
from engine import EvaluationResult
from ledger.principal import Principal

router = APIRouter(prefix="/v1", tags=["eligibility"], route_class=StrictRoute)
Evaluating = Annotated[Principal, Depends(allow("caseworker", "admin", "public"))]


# A plain `def`: evaluation is CPU work and runs in the threadpool, off the event loop.
@router.post("/eligibility", response_model=EvaluationResult, responses=responses(500))
def evaluate_eligibility(
    request: EligibilityRequest, evaluator: EvaluatorDep, principal: Evaluating
) -> EvaluationResult:
    """评估一份画像（某日，默认今天）：各事项状态、转介、待补问题 / Evaluate one profile."""
    return evaluator.evaluate(request.profile, as_of=request.as_of)
