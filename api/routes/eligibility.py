"""POST /v1/eligibility: one profile in, the evaluation result out (docs/contract.md §3)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
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


# Evaluation is CPU work: it runs on a pool of its own, off the event loop. A small pool (the
# GIL lets one thread evaluate at a time anyway) keeps durable_rules' sessions warm
# (engine/durable.py KEEP_SESSIONS) and costs less per request than anyio's threadpool.
EVALUATING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="evaluate")


@router.post(
    "/eligibility",
    # ExplainedResult first: a body with `classification_reasons` is the explained answer.
    response_model=ExplainedResult | EvaluationResult,
    responses=responses(500),
)
async def evaluate_eligibility(
    request: EligibilityRequest, evaluator: EvaluatorDep, principal: Evaluating
) -> Response:
    """评估一份画像（某日，默认今天）：各事项状态、转介、待补问题；explain=all 另说明理由
    / Evaluate one profile."""
    loop = asyncio.get_running_loop()
    body = await loop.run_in_executor(EVALUATING, answer, request, evaluator, principal)
    return Response(body, media_type="application/json")


def answer(request: EligibilityRequest, evaluator: Evaluator, principal: Principal) -> str:
    """The evaluation, serialised once by pydantic's Rust core (FastAPI would validate the
    result against the response model again and encode it a second time)."""
    return evaluation(request, evaluator, principal).model_dump_json()


def evaluation(
    request: EligibilityRequest, evaluator: Evaluator, principal: Principal
) -> EvaluationResult:
    """What the JSON door answers, as the result model (the workbench's intake uses it too)."""
    require(principal, "caseworker", "admin", "public")
    return evaluator.evaluate(request.profile, as_of=request.as_of, explain=request.explain)
