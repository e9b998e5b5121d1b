"""/app/policies in a real browser: every code and classification is there, and one code and
one classification read as their rule files say; the impact page runs a draft end to end."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from playwright.sync_api import Page, expect

from engine import load_policy
from engine.sentences import describe
from tests.web.browser import axe_violations, overflow, screenshot, sign_in
from tests.web.server import WebServer

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "policies" / "rules"


def _rule_entry(target: str) -> tuple[Path, dict[str, object]]:
    """The rule file entry deciding `target`, read straight from policies/rules/."""
    for path in sorted(RULES.rglob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if target in (entry.get("code"), entry.get("classification")):
                return path, entry
    raise AssertionError(f"no rule decides {target}")


def _check_card(page: Page, target: str, zh: str) -> None:
    path, entry = _rule_entry(target)
    policy = load_policy()
    rule = next(r for r in policy.rules if r.target == target)
    card = page.locator(f"article[data-target='{target}']")
    expect(card).to_have_count(1)
    expect(card.locator(".rule-zh")).to_have_text(zh)
    expect(card).to_contain_text(str(entry["id"]))
    expect(card).to_contain_text(f"{path.relative_to(ROOT / 'policies').as_posix()}")
    shown = card.locator(".rule-condition li").all_inner_texts()
    assert shown == describe(rule.when, policy.catalog)
    for cite in entry["cite"]:  # type: ignore[attr-defined]
        if cite.get("quote"):
            expect(card.locator(".rule-citations")).to_contain_text(cite["quote"])
    effective = entry.get("effective")
    if isinstance(effective, dict):
        start = effective["from"]
        expect(card).to_contain_text(f"{start.year}年{start.month}月{start.day}日起")


def test_the_explorer_shows_every_code_and_classification_as_the_rule_files_say(
    page: Page, web: WebServer
) -> None:
    catalog = load_policy().catalog
    sign_in(page, web.tokens["policy"])
    page.goto("/app/policies?region=430121&as_of=2025-06-01")
    expect(page.get_by_role("heading", level=1)).to_have_text("政策浏览")
    targets = set(page.locator("article[data-target]").evaluate_all(
        "cards => cards.map(c => c.dataset.target)"))  # fmt: skip
    assert targets == set(catalog.codes) | set(catalog.classifications)
    _check_card(page, "REFER_DIBAO", catalog.codes["REFER_DIBAO"].zh)
    _check_card(page, "is_rural_left_behind_woman", catalog.classifications[
        "is_rural_left_behind_woman"].zh)  # fmt: skip
    dibao = page.locator(
        "article[data-target='REFER_DIBAO'] [data-parameter='dibao_standard_monthly']"
    )
    expect(dibao.locator(".param-in-force")).to_have_text("未设定")  # no POLICY_PATHS here
    scenarios = page.locator("article[data-target='REFER_DIBAO'] details")
    scenarios.locator("summary").click()
    expect(scenarios.locator("pre.gherkin").first).to_contain_text("场景")
    assert overflow(page) == 0
    assert axe_violations(page) == []
    screenshot(page, "policies", full_page=False)


def test_a_draft_uploaded_on_the_impact_page_shows_the_table_and_the_chart(
    page: Page, web: WebServer, tmp_path: Path
) -> None:
    profile = {"sex": "female", "age_years": 42, "marital_status": "married",
               "husband_away": True, "husband_away_reason": "migrant_work",
               "husband_away_continuous_months": 12, "residence_area": "village",
               "region_code": "430121", "household_income_pc_monthly": 500,
               "household_assets_within_limit": True}  # fmt: skip
    made = web.api("POST", "/v1/cases", json={"village": "光明村", "as_of": "2025-06-01",
                                               "profile": profile})  # fmt: skip
    assert made.status_code == 201, made.text
    draft = tmp_path / "hunan-430000.yaml"
    draft.write_text(
        'region: "430000"\nname: 湖南省（测试）\nparameters:\n  dibao_standard_monthly:\n'
        "    - {from: 2025-01-01, value: 600, source: 测试用虚构标准}\n",
        encoding="utf-8",
    )
    sign_in(page, web.tokens["policy"])
    page.goto("/app/policies/impact")
    page.get_by_label("草案文件").set_input_files(str(draft))
    page.get_by_label("评估日期（默认今天）").fill("2025-06-01")
    page.get_by_role("button", name="开始测算").click()
    page.wait_for_url(re.compile(r"/app/policies/impact/[0-9a-f]{32}$"))
    expect(page.locator("#changed-count")).to_have_text("1", timeout=60_000)
    expect(page.locator("#by-code")).to_contain_text("REFER_DIBAO")
    expect(page.locator("#impact-chart canvas")).to_have_count(1)
    assert axe_violations(page) == []
    screenshot(page, "policies-impact", full_page=False)
