"""`guanai evaluate --format text`: the result (docs/contract.md §3, §3a) as Chinese a
caseworker reads — conclusions, referrals, questions, reviews, beyond the programme and, with
`--explain all`, why not. The JSON stays the contract; this is only its reading."""

from __future__ import annotations

from typing import Any

from engine.catalog import Catalog

STATUS_ZH = {
    "urgent": "紧急",
    "choose_higher": "择高申领",
    "eligible": "符合条件",
    "refer_for_assessment": "转介评估",
    "obligation": "部门职责",
    "info": "告知",
    "needs_info": "需补充信息",
}
TRUTH_ZH = {True: "是", False: "否", None: "未知"}


def _citation(c: dict[str, Any]) -> str:
    where = c.get("article") or c.get("section") or ""
    number = f"（{c['number']}）" if c.get("number") else ""
    return f"《{c['document']}》{number}{where}"


PROGRAMME_NUMBER = "民发〔2025〕7号"


def _item(item: dict[str, Any], out: list[str], law_first: bool = False) -> None:
    out.append(f"  【{STATUS_ZH[item['status']]}】{item['name']['zh']}")
    if item["reasons"]:
        out.append(f"      理由：{'；'.join(item['reasons'])}")
    cites = item["citations"]
    if law_first:  # outside the programme: the law, not the programme, is the basis
        cites = [c for c in cites if c.get("number") != PROGRAMME_NUMBER] or cites
    if cites:
        out.append(f"      依据：{_citation(cites[0])}")


def _value(catalog: Catalog, fact: str, value: Any) -> str:
    fdef = catalog.facts.get(fact)
    if fdef is None:
        return str(value)
    if isinstance(value, list):
        return "、".join(fdef.value_label(v) for v in value) or "（无）"
    return fdef.value_label(value)


def render(result: dict[str, Any], catalog: Catalog) -> str:
    """The result as plain Chinese text, one section after another."""
    out: list[str] = []
    region = result["region"]
    chain = " → ".join("全国" if r == "national" else r for r in region["chain"])
    out.append(f"评估日期：{result['as_of']}    政策版本：{result['policy_version'][:19]}…")
    out.append(f"地区：{region['code'] or '（未填写）'}（参数取值：{chain}）")
    out.append("")
    out.append("分类：")
    for name, value in result["classifications"].items():
        out.append(f"  {catalog.classifications[name].zh}：{TRUTH_ZH[value]}")
    out.append("")
    out.append("结论：" if result["results"] else "结论：按现有画像，本方案没有适用的事项")
    for item in result["results"]:
        _item(item, out)
    if result["outside_programme"]:
        out.append("")
        out.append("方案以外（不属于或尚不能确定属于本方案对象，依国家法律仍可申请）：")
        for item in result["outside_programme"]:
            _item(item, out, law_first=True)
    if result["referrals"]:
        out.append("")
        out.append("转介：")
        for r in result["referrals"]:
            flags = "（紧急）" if r["urgent"] else ""
            flags += "（方案以外）" if r.get("outside_programme") else ""
            codes = "、".join(catalog.codes[c].zh for c in r["codes"])
            out.append(f"  {r['name']['zh']}{flags}：{codes}")
    if result["questions"]:
        out.append("")
        out.append("需要询问：")
        for i, q in enumerate(result["questions"], 1):
            asked = q["question"]["zh"] if q.get("question") else q["label"]["zh"]
            decides = "、".join(catalog.codes[c].zh for c in q["would_decide"])
            out.append(f"  {i}. {asked}" + (f"（可决定：{decides}）" if decides else ""))
    if result["reviews"]:
        out.append("")
        out.append("需要人工复核：")
        out.extend(f"  {r['reason']['zh']}" for r in result["reviews"])
    if result["missing_parameters"]:
        names = "、".join(catalog.parameters[p].zh for p in result["missing_parameters"])
        out.append("")
        out.append(f"缺少地区参数：{names}")
    if "not_applicable" in result:
        _why_not(result, catalog, out)
    return "\n".join(out) + "\n"


def _why_not(result: dict[str, Any], catalog: Catalog, out: list[str]) -> None:
    out.append("")
    out.append("分类的理由：")
    for name, entry in result["classification_reasons"].items():
        reasons = "；".join(entry["reasons"]) or "（无）"
        out.append(f"  {catalog.classifications[name].zh}（{TRUTH_ZH[entry['value']]}）：{reasons}")
    out.append("")
    out.append("不适用的事项（只差一项即可适用的在前）：")
    for item in result["not_applicable"]:
        out.append(f"  × {item['name']['zh']}：{'；'.join(item['reasons'])}")
        if item["would_apply_if"]:
            options = "，或".join(
                f"“{catalog.facts[f['fact']].zh}”为{_value(catalog, f['fact'], f['value'])}"
                for f in item["would_apply_if"]
            )
            out.append(f"      只差一项：{options}")
