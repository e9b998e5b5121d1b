"""guanai engine: 民发〔2025〕7号 and the national laws it leans on, as durable_rules rules.

policy = load_policy()                    # shipped policies/ (+ extra parameter dirs)
result = Evaluator(policy).evaluate({"sex": "female", ...}, as_of=date(2025, 6, 1))
result.model_dump(mode="json")            # docs/contract.md §3
"""

from engine.decision import Decision
from engine.errors import (
    EngineError,
    FieldError,
    PolicyError,
    PolicyIssue,
    ProfileError,
    RulesRuntimeError,
)
from engine.evaluate import Evaluator
from engine.policy import SHIPPED_POLICIES, Policy, load_policy
from engine.profile import Profile
from engine.result import EvaluationResult

__all__ = [
    "SHIPPED_POLICIES",
    "Decision",
    "EngineError",
    "EvaluationResult",
    "Evaluator",
    "FieldError",
    "Policy",
    "PolicyError",
    "PolicyIssue",
    "Profile",
    "ProfileError",
    "RulesRuntimeError",
    "load_policy",
]
