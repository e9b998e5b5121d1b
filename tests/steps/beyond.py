"""那么/并且 — why not (`"explain": "all"`) and beyond the programme (docs/contract.md §3a):
classification reasons, codes that do not apply and the one fact that would change that,
and the national-law codes for a woman outside the programme."""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, then

from tests.steps.case import Case, catalog
from tests.steps.lookup import STATUSES, fact_name, parse_value, resolve
from tests.steps.then import code_name, department_name


def _not_applicable(case: Case, code_text: str) -> dict[str, Any]:
    code = code_name(code_text)
    assert "not_applicable" in case.data, "没有 not_applicable：评估时须“说明全部理由”"
    for entry in case.data["not_applicable"]:
        if entry["code"] == code:
            return dict(entry)
    listed = [r["code"] for r in case.data["results"]]
    raise AssertionError(f"{code} 不在不适用之列；结果：{listed}")


def _beyond(case: Case, code_text: str) -> dict[str, Any] | None:
    code = code_name(code_text)
    for entry in case.data["outside_programme"]:
        if entry["code"] == code:
            return dict(entry)
    return None


@then(parsers.parse('"{code}"不适用，理由包括"{text}"'))
def _(case: Case, code: str, text: str) -> None:
    reasons = _not_applicable(case, code)["reasons"]
    assert any(text in reason for reason in reasons), f"理由：{reasons}"


@then(parsers.parse('"{code}"只差一项："{fact}"为"{value}"即可适用'))
def _(case: Case, code: str, fact: str, value: str) -> None:
    name = fact_name(catalog(), fact)
    wanted = parse_value(catalog().facts[name], value)
    flips = _not_applicable(case, code)["would_apply_if"]
    assert {"fact": name, "value": wanted} in flips, f"would_apply_if：{flips}"


@then(parsers.parse('"{code}"不是只差一项'))
def _(case: Case, code: str) -> None:
    flips = _not_applicable(case, code)["would_apply_if"]
    assert flips == [], f"would_apply_if：{flips}"


@then(parsers.parse('她"{classification}"的理由包括"{text}"'))
def _(case: Case, classification: str, text: str) -> None:
    name = resolve(classification, catalog().classifications, "分类")
    assert "classification_reasons" in case.data, "评估时须“说明全部理由”"
    reasons = case.data["classification_reasons"][name]["reasons"]
    assert any(text in reason for reason in reasons), f"{name} 的理由：{reasons}"


@then(parsers.parse('方案以外依法可申请"{code}"，结论为"{status}"'))
def _(case: Case, code: str, status: str) -> None:
    entry = _beyond(case, code)
    listed = [r["code"] for r in case.data["outside_programme"]]
    assert entry is not None, f"{code} 不在方案以外可申请的事项中：{listed}"
    assert entry["status"] == STATUSES[status], f"{entry['code']} 为 {entry['status']}"
    assert "仍可申请" in entry["reasons"][0], entry["reasons"]


@then(parsers.parse('方案以外可申请的事项中没有"{code}"'))
def _(case: Case, code: str) -> None:
    assert _beyond(case, code) is None, case.data["outside_programme"]


@then("方案以外可申请的事项为空")
def _(case: Case) -> None:
    assert case.data["outside_programme"] == [], case.data["outside_programme"]


@then(parsers.parse('方案以外转介至"{department}"'))
def _(case: Case, department: str) -> None:
    wanted = department_name(department)
    found = [
        r for r in case.data["referrals"] if r["department"] == wanted and r["outside_programme"]
    ]
    assert found, f"没有方案以外的转介至 {department}：{case.data['referrals']}"
