"""POST /v1/eligibility: one profile in, docs/contract.md §3 out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.access import require
from api.auth import PrincipalDep
from api.deps import EvaluatorDep, JsonBody
from api.errors import responses
from api.schemas import ELIGIBILITY_REQUEST_BODY, EligibilityRequest
from engine import EvaluationResult, Evaluator
from engine.result import ExplainedResult
from ledger.principal import Principal

router = APIRouter(prefix="/v1", tags=["eligibility"])


# A plain `def`: evaluation is CPU work and runs in the threadpool, off the event loop. The
# body is read as raw JSON (not a pydantic parameter) so that profile errors come from the
# engine's own validation, in Chinese and English (ProfileError).
@router.post(
    "/eligibility",
    # ExplainedResult first: a body with `classification_reasons` is the explained answer.
    response_model=ExplainedResult | EvaluationResult,
    responses=responses(400, 401, 403, 413, 422, 500),
    openapi_extra={"requestBody": ELIGIBILITY_REQUEST_BODY},
)
def evaluate_eligibility(
    body: JsonBody, evaluator: EvaluatorDep, principal: PrincipalDep
) -> Response:
    """评估一份画像 — evaluate one profile on a date (default today): statuses, referrals,
    questions, `outside_programme`; with `"explain": "all"` also why not."""
    result = evaluation(body, evaluator, principal)
    # serialised once, by pydantic's Rust core: FastAPI would validate the result against
    # the response model again and encode it a second time
    return Response(result.model_dump_json(), media_type="application/json")


def evaluation(body: Any, evaluator: Evaluator, principal: Principal) -> EvaluationResult:
    """What the JSON door answers, as the result model (the workbench's intake uses it too)."""
    require(principal, "caseworker", "admin", "public")
    request = EligibilityRequest.parse(body)
    return evaluator.evaluate(request.profile, as_of=request.as_of, explain=request.explain)
