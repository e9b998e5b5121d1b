"""POST /v1/eligibility: one profile in, the evaluation result out (docs/contract.md §3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.access import allow, require
from api.bodies import EligibilityRequest
from api.deps import EvaluatorDep
from api.error_models import responses
from api.strict import StrictRoute
from engine import EvaluationResult, Evaluator
from engine.result import ExplainedResult
from ledger.principal import Principal

router = APIRouter(prefix="/v1", tags=["eligibility"], route_class=StrictRoute)
Evaluating = Annotated[Principal, Depends(allow("caseworker", "admin", "public"))]


# A plain `def`: evaluation is CPU work and runs in the threadpool, off the event loop.
@router.post(
    "/eligibility",
    # ExplainedResult first: a body with `classification_reasons` is the explained answer.
    response_model=ExplainedResult | EvaluationResult,
    responses=responses(500),
)
def evaluate_eligibility(
    request: EligibilityRequest, evaluator: EvaluatorDep, principal: Evaluating
) -> Response:
    """评估一份画像（某日，默认今天）：各事项状态、转介、待补问题；explain=all 另说明理由
    / Evaluate one profile."""
    result = evaluation(request, evaluator, principal)
    # serialised once, by pydantic's Rust core: FastAPI would validate the result against
    # the response model again and encode it a second time
    return Response(result.model_dump_json(), media_type="application/json")


def evaluation(
    request: EligibilityRequest, evaluator: Evaluator, principal: Principal
) -> EvaluationResult:
    """What the JSON door answers, as the result model (the workbench's intake uses it too)."""
    require(principal, "caseworker", "admin", "public")
    return evaluator.evaluate(request.profile, as_of=request.as_of, explain=request.explain)
