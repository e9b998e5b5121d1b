"""Beyond the programme (docs/contract.md §3a `outside_programme`).

民发〔2025〕7号 covers rural left-behind women, but the national laws it leans on (两项补贴,
低保, 法律援助……) cover every woman. For a woman who is not, or not known to be, a rural
left-behind woman, the `basis: law` codes are evaluated without the left-behind condition.

durable_rules decides them too: it is run a second time on the profile with the facts of the
left-behind definition set so that the classification holds (`as_left_behind`). The evaluator
explains them in the world where the classification is forced true on her real facts. The two
must agree on every `basis: law` code (`disagreements`), which holds because no law code reads
the definition's facts other than through the classification (tests/engine/test_outside.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.expr import Tri
from engine.kleene import Env
from engine.profile import Profile
from engine.rules import Rule

PROGRAMME_DOCUMENT = "MCA_2025_7"
# The facts of the left-behind definition (方案首段), as they are when it holds.
DEFINITION_FACTS = (
    "sex",
    "marital_status",
    "husband_away",
    "husband_away_reason",
    "husband_away_continuous_months",
    "residence_area",
)
MIN_MONTHS = "left_behind_min_months"


def applies(profile: Profile, left_behind: Tri) -> bool:
    """Whether `outside_programme` is evaluated: a woman not known to be left-behind."""
    return left_behind is not True and profile.sex == "female"


def as_left_behind(profile: Profile, params: Mapping[str, Any]) -> Profile:
    """Her profile with the left-behind definition satisfied; every other fact unchanged."""
    months = max(profile.husband_away_continuous_months or 0, int(params.get(MIN_MONTHS) or 6))
    return profile.model_copy(
        update={
            "marital_status": "married",
            "husband_away": True,
            "husband_away_reason": "migrant_work",
            "husband_away_continuous_months": months,
            "residence_area": "village",
        }
    )


def law_rules(code_rules: Mapping[str, Rule]) -> dict[str, Rule]:
    """The codes national law gives every woman (`basis: law`)."""
    return {code: rule for code, rule in code_rules.items() if rule.basis == "law"}


def disagreements(
    code_rules: Mapping[str, Rule], durable: Mapping[str, Tri], explained: Env
) -> list[str]:
    """Law codes on which durable_rules (on the substituted profile) and the evaluator (with
    the classification forced true) differ."""
    out = []
    for code in law_rules(code_rules):
        got, expected = durable[code], explained.emitted(code)
        if got is not expected:
            out.append(f"outside C:{code}: durable={got} evaluator={expected}")
    return out


def reason(titles: list[str], left_behind: Tri) -> str:
    """The sentence that says she is outside the programme but the law still applies."""
    who = "不属于本方案对象" if left_behind is False else "尚不能确定是否属于本方案对象"
    laws = "、".join(f"《{t}》" for t in titles)
    return f"{who}，但依据{laws}仍可申请" if laws else f"{who}，但依据国家法律仍可申请"
