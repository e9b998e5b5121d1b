"""The loader refuses broken rule files with `file:line: message`; `guanai lint` prints them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from engine import PolicyError, load_policy
from engine.policy import SHIPPED_POLICIES

RULE_FILE = Path("rules/laws/social-assistance.yaml")


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    """A private copy of the shipped policies to plant errors in."""
    target = tmp_path / "policies"
    shutil.copytree(SHIPPED_POLICIES, target)
    return target


def _plant(policies: Path, relative: Path, old: str, new: str) -> int:
    """Replace the first `old` by `new`; return the (1-based) line where it was."""
    path = policies / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def _issues(policies: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(base=policies)
    return [str(i) for i in caught.value.issues]


def test_shipped_policies_load_cleanly() -> None:
    policy = load_policy()
    assert len(policy.rules) == len(policy.catalog.codes) + len(policy.catalog.classifications)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("f.tekun_recipient", "f.tekun_recepient", "(unknown fact) f.tekun_recepient"),
        ("p.dibao_standard_monthly", "p.dibao_standard", "(unknown parameter) p.dibao_standard"),
        ("f.dibao_recipient", "f.dibao_recipient == female", "boolean needs true/false"),
        ("d.is_rural_left_behind_woman", "d.is_rural_woman", "unknown classification"),
        (
            "f.household_income_pc_monthly <",
            "f.household_income_pc_monthly == migrant_work or 1 <",
            "(a number is needed)",
        ),
    ],
)
def test_a_condition_error_is_reported_at_its_when_line(
    policies: Path, old: str, new: str, words: str
) -> None:
    text = (policies / RULE_FILE).read_text(encoding="utf-8")
    when_line = text[: text.index(old)].rfind("when:")
    line = text[:when_line].count("\n") + 1
    _plant(policies, RULE_FILE, old, new)
    issues = _issues(policies)
    assert any(str(RULE_FILE) in i and f":{line}:" in i and words in i for i in issues), issues


def test_an_unknown_key_is_refused_at_its_line(policies: Path) -> None:
    line = _plant(policies, RULE_FILE, "  basis:", "  basiss: law\n  basis:")
    issues = _issues(policies)
    assert any(f"{RULE_FILE}:{line}:" in i and "basiss" in i for i in issues), issues


def test_a_duplicate_yaml_key_is_refused(policies: Path) -> None:
    line = _plant(policies, RULE_FILE, "  basis:", "  title: 重复\n  basis:")
    issues = _issues(policies)
    assert any(f"{RULE_FILE}:{line}:" in i and "duplicate key 'title'" in i for i in issues), issues


def test_a_duplicate_rule_id_is_refused(policies: Path) -> None:
    text = (policies / RULE_FILE).read_text(encoding="utf-8")
    first_id = text.split("- id: ", 2)[1].split("\n", 1)[0]
    second_id = text.split("- id: ", 3)[2].split("\n", 1)[0]
    _plant(policies, RULE_FILE, f"- id: {second_id}", f"- id: {first_id}")
    assert any(f"重复的规则 id {first_id}" in i for i in _issues(policies))


def test_every_code_needs_a_rule(policies: Path) -> None:
    text = (policies / RULE_FILE).read_text(encoding="utf-8")
    entries = text.split("\n- id: ")
    kept = [entries[0], *[e for e in entries[1:] if "code: REFER_DIBAO\n" not in e]]
    (policies / RULE_FILE).write_text("\n- id: ".join(kept), encoding="utf-8")
    assert any("REFER_DIBAO: 没有规则决定它" in i for i in _issues(policies))


def test_guanai_lint_is_clean_on_the_shipped_policies() -> None:
    result = CliRunner().invoke(app, ["lint", str(SHIPPED_POLICIES)])
    assert result.exit_code == 0, result.output


def test_guanai_lint_prints_a_planted_error_with_its_line_and_exits_1(policies: Path) -> None:
    line = _plant(policies, RULE_FILE, "f.tekun_recipient", "f.tekun")
    result = CliRunner().invoke(app, ["lint", str(policies)])
    assert result.exit_code == 1
    text = (policies / RULE_FILE).read_text(encoding="utf-8")
    when_line = text[: text.index("f.tekun")].rfind("when:")
    assert f"{RULE_FILE}:{text[:when_line].count(chr(10)) + 1}:" in result.output
    assert "f.tekun" in result.output
    assert line >= 1


def test_guanai_lint_checks_a_regional_parameter_directory(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        'region: "430000"\nparameters:\n  left_behind_min_months:\n'
        "    - {from: 2025-01-01, value: 3}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["lint", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.yaml:3:" in result.output
