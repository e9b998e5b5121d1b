"""假如/并且 — who she is, and which regional parameter files are in force."""

from __future__ import annotations

import json

from pytest_bdd import given, parsers

from tests.steps.case import Case, catalog
from tests.steps.lookup import fact_name, parse_value


def set_fact(case: Case, label: str, value: str) -> None:
    """Write one fact named by its Chinese label, its value parsed by the fact's type."""
    policy = catalog()
    name = fact_name(policy, label)
    case.profile[name] = parse_value(policy.facts[name], value)


# The premise states facts, never the conclusion: whether she is a rural left-behind woman
# is what the evaluation decides.
@given(
    parsers.parse("一位住在村里的已婚妇女，丈夫连续外出务工 {months:d} 个月"),
    target_fixture="case",
)
def _(months: int) -> Case:
    return Case(
        profile={
            "sex": "female",
            "marital_status": "married",
            "husband_away": True,
            "husband_away_reason": "migrant_work",
            "husband_away_continuous_months": months,
            "residence_area": "village",
        }
    )


@given("一位妇女", target_fixture="case")
def _() -> Case:
    return Case(profile={"sex": "female"})


@given(parsers.parse('她的"{label}"为"{value}"'))
def _(case: Case, label: str, value: str) -> None:
    set_fact(case, label, value)


@given(parsers.parse('她的"{label}"未知'))
def _(case: Case, label: str) -> None:
    case.profile.pop(fact_name(catalog(), label), None)


@given("她的画像：")
def _(case: Case, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    if header != ["事实", "值"]:
        raise ValueError(f"画像表的表头应为 | 事实 | 值 |，而不是 {header}")
    for label, value in rows:
        set_fact(case, label, value)


@given(parsers.parse('画像字段"{field}"写作 {raw}'))
def _(case: Case, field: str, raw: str) -> None:
    # As the JSON a client would send, so a feature can show what validation refuses.
    case.profile[field] = json.loads(raw)


@given("地区参数文件：")
def _(case: Case, docstring: str) -> None:
    case.parameter_files.append(docstring)
