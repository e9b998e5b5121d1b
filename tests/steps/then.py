"""那么/并且 — what the evaluation says: statuses, classifications, referrals, questions,
reviews, missing parameters and refused input. Codes, classifications, facts and departments
are named by their Chinese label (or their code)."""

from __future__ import annotations

import json
from typing import Any

from pytest_bdd import parsers, then

from tests.steps.case import Case, catalog
from tests.steps.lookup import NOT_LISTED, STATUSES, TRUTH, fact_name, resolve


def code_name(text: str) -> str:
    """The code a feature names by its Chinese name or CODE."""
    return resolve(text, catalog().codes, "代码")


def department_name(text: str) -> str:
    """The department a feature names by its Chinese name or CODE."""
    return resolve(text, catalog().departments, "部门")


def _listed(case: Case) -> str:
    return "、".join(f"{r['code']}={r['status']}" for r in case.data["results"]) or "（无）"


def check_status(case: Case, code_text: str, status_text: str) -> None:
    """`code_text` came to the status `status_text` (`不列出`: it is not in the results)."""
    code = code_name(code_text)
    entry = case.outcome(code)
    if status_text == NOT_LISTED:
        assert entry is None, f"{code} 不应列出，却为 {entry and entry['status']}"
        return
    if status_text not in STATUSES:
        raise ValueError(
            f"结论应为 {'/'.join([*STATUSES, NOT_LISTED])} 之一，而不是「{status_text}」"
        )
    assert entry is not None, f"{code} 未列出；结果：{_listed(case)}"
    expected = STATUSES[status_text]
    assert entry["status"] == expected, (
        f"{code} 的结论为 {entry['status']}，应为 {expected}；缺少：{entry['missing_facts']}"
    )


def _referral(case: Case, department_text: str) -> dict[str, Any] | None:
    department = department_name(department_text)
    for referral in case.data["referrals"]:
        if referral["department"] == department:
            return dict(referral)
    return None


def _referred(case: Case, department_text: str) -> dict[str, Any]:
    referral = _referral(case, department_text)
    listed = [r["department"] for r in case.data["referrals"]]
    assert referral is not None, f"未转介至 {department_text}；转介：{listed}"
    return referral


@then(parsers.parse('"{code}"的结论为"{status}"'))
def _(case: Case, code: str, status: str) -> None:
    check_status(case, code, status)


@then("结论如下：")
def _(case: Case, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    if header != ["代码", "结论"]:
        raise ValueError(f"结论表的表头应为 | 代码 | 结论 |，而不是 {header}")
    for code, status in rows:
        check_status(case, code, status)


# Not "结果中没有": a code not listed means its condition does not hold on the facts given,
# not that she has no right to it.
@then(parsers.parse('按现有画像不列出"{code}"'))
def _(case: Case, code: str) -> None:
    check_status(case, code, NOT_LISTED)


@then(parsers.parse('她可以获得"{code}"'))
def _(case: Case, code: str) -> None:
    entry = case.outcome(code_name(code))
    assert entry is not None, f"{code} 未列出；结果：{_listed(case)}"
    assert entry["status"] in ("eligible", "choose_higher", "urgent"), entry["status"]


@then(parsers.parse('她"{classification}"为"{value}"'))
def _(case: Case, classification: str, value: str) -> None:
    name = resolve(classification, catalog().classifications, "分类")
    if value not in TRUTH:
        raise ValueError(f"分类的值应为 是/否/未知，而不是「{value}」")
    actual = case.data["classifications"][name]
    assert actual is TRUTH[value], f"{name} 为 {actual}，应为 {TRUTH[value]}"


@then(parsers.parse('"{code}"缺少的事实包括"{fact}"'))
def _(case: Case, code: str, fact: str) -> None:
    entry = case.outcome(code_name(code))
    assert entry is not None, f"{code} 未列出；结果：{_listed(case)}"
    wanted = fact_name(catalog(), fact)
    assert wanted in entry["missing_facts"], f"{entry['code']} 缺少：{entry['missing_facts']}"


@then(parsers.parse('提问中包含"{fact}"'))
def _(case: Case, fact: str) -> None:
    wanted = fact_name(catalog(), fact)
    asked = [question["fact"] for question in case.data["questions"]]
    assert wanted in asked, f"提问中没有 {wanted}：{asked}"


@then(parsers.parse('提问中不包含"{fact}"'))
def _(case: Case, fact: str) -> None:
    unwanted = fact_name(catalog(), fact)
    asked = [question["fact"] for question in case.data["questions"]]
    assert unwanted not in asked, f"提问中不应有 {unwanted}：{asked}"


@then(parsers.parse('提问"{fact}"的问题提及"{text}"'))
def _(case: Case, fact: str, text: str) -> None:
    wanted = fact_name(catalog(), fact)
    for question in case.data["questions"]:
        if question["fact"] == wanted:
            asked = (question.get("question") or {}).get("zh", "")
            assert text in asked, f"{wanted} 的问题为「{asked}」，未提及「{text}」"
            return
    raise AssertionError(f"提问中没有 {wanted}")


@then(parsers.parse('事实"{fact}"的提问提及"{text}"'))
def _(fact: str, text: str) -> None:
    fdef = catalog().facts[fact_name(catalog(), fact)]
    asked = fdef.question.zh if fdef.question else ""  # type: ignore[attr-defined]
    assert text in asked, f"「{fdef.zh}」的提问为「{asked}」，未提及「{text}」"


@then(parsers.parse('"{code}"的理由包括"{text}"'))
def _(case: Case, code: str, text: str) -> None:
    entry = case.outcome(code_name(code))
    assert entry is not None, f"{code} 未列出；结果：{_listed(case)}"
    assert any(text in reason for reason in entry["reasons"]), f"理由：{entry['reasons']}"


@then(parsers.parse('"{code}"的理由不包括"{text}"'))
def _(case: Case, code: str, text: str) -> None:
    entry = case.outcome(code_name(code))
    assert entry is not None, f"{code} 未列出；结果：{_listed(case)}"
    assert not any(text in reason for reason in entry["reasons"]), f"理由：{entry['reasons']}"


@then("需要人工复核")
def _(case: Case) -> None:
    assert case.data["reviews"], "没有人工复核项 (no reviews)"


@then("不需要人工复核")
def _(case: Case) -> None:
    assert not case.data["reviews"], f"不应有人工复核项：{case.data['reviews']}"


@then(parsers.parse('转介至"{department}"'))
def _(case: Case, department: str) -> None:
    _referred(case, department)


@then(parsers.parse('转介至"{department}"且为紧急'))
def _(case: Case, department: str) -> None:
    referral = _referred(case, department)
    assert referral["urgent"] is True, f"转介至 {department} 应为紧急：{referral}"


@then(parsers.parse('转介至"{department}"且不紧急'))
def _(case: Case, department: str) -> None:
    referral = _referred(case, department)
    assert referral["urgent"] is False, f"转介至 {department} 不应为紧急：{referral}"


@then(parsers.parse('转介至"{department}"的代码不包括"{code}"'))
def _(case: Case, department: str, code: str) -> None:
    referral = _referred(case, department)
    assert code_name(code) not in referral["codes"], f"转介至 {department}：{referral['codes']}"


@then(parsers.parse('不转介至"{department}"'))
def _(case: Case, department: str) -> None:
    referral = _referral(case, department)
    assert referral is None, f"不应转介至 {department}：{referral}"


@then(parsers.parse('缺少参数"{parameter}"'))
def _(case: Case, parameter: str) -> None:
    missing = case.data["missing_parameters"]
    assert parameter in missing, f"缺少的参数：{missing}"


@then(parsers.parse('"{code}"的输出"{output}"为"{value}"'))
def _(case: Case, code: str, output: str, value: str) -> None:
    entry = case.outcome(code_name(code))
    assert entry is not None, f"{code} 未列出；结果：{_listed(case)}"
    outputs = entry["outputs"]
    assert output in outputs, f"{entry['code']} 没有输出 {output}：{outputs}"
    assert _same(outputs[output], value), f"{output} 为 {outputs[output]!r}，应为 {value}"


def _same(actual: object, text: str) -> bool:
    if isinstance(actual, bool) or actual is None:
        return TRUTH.get(text, "?") is actual
    if isinstance(actual, int | float):
        try:
            return float(text) == float(actual)
        except ValueError:
            return False
    return str(actual) == text


@then(parsers.parse('画像被拒绝，字段"{field}"有误'))
def _(case: Case, field: str) -> None:
    error = case.profile_error
    assert error is not None, f"画像应被拒绝，却得到结果：{case.result and _listed(case)}"
    fields = [item.field for item in error.errors]
    assert any(f == field or f.split(".")[-1] == field for f in fields), f"有误的字段：{fields}"


@then(parsers.parse('画像被拒绝，字段"{field}"有误，原因是"{reason}"'))
def _(case: Case, field: str, reason: str) -> None:
    error = case.profile_error
    assert error is not None, f"画像应被拒绝，却得到结果：{case.result and _listed(case)}"
    reasons = {item.field: item.zh for item in error.errors}
    assert reasons.get(field) == reason, f"有误的字段及原因：{reasons}"


@then(parsers.parse('字段"{field}"未被指出'))
def _(case: Case, field: str) -> None:
    error = case.profile_error
    fields = [item.field for item in error.errors] if error is not None else []
    assert field not in fields, f"有误的字段：{fields}"


@then(parsers.parse('拒绝原因不含文字"{text}"'))
def _(case: Case, text: str) -> None:
    error = case.profile_error
    assert error is not None, "画像应被拒绝"
    said = [(item.field, item.zh, item.en) for item in error.errors]
    assert text not in f"{said} {error}", f"拒绝原因中出现了「{text}」"


@then(parsers.parse('地区参数文件被拒绝，原因提及"{text}"'))
def _(case: Case, text: str) -> None:
    error = case.policy_error
    assert error is not None, "地区参数文件应被拒绝，却已载入"
    assert text in str(error), f"拒绝原因未提及 {text}：{error}"


@then(parsers.parse('评估结果不含文字"{text}"'))
def _(case: Case, text: str) -> None:
    printed = json.dumps(case.data, ensure_ascii=False)
    assert text not in printed, f"评估结果中出现了「{text}」"
