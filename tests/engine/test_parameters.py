"""Parameters resolve county → prefecture → province → national on the evaluation date."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from engine import Policy, PolicyError, load_policy
from engine.parameters import region_chain

CHAIN = region_chain("430121")


def test_region_chain_runs_county_prefecture_province_national() -> None:
    assert CHAIN == ["430121", "430100", "430000", "national"]
    assert region_chain("430100") == ["430100", "430000", "national"]
    assert region_chain("430000") == ["430000", "national"]
    assert region_chain(None) == ["national"]


def test_the_latest_entry_in_force_wins_and_from_to_are_inclusive(policy: Policy) -> None:
    resolve = policy.parameters.resolve
    assert resolve("dibao_standard_monthly", CHAIN, date(2024, 12, 31)) is None
    assert resolve("dibao_standard_monthly", CHAIN, date(2025, 1, 1)) == 600
    assert resolve("dibao_standard_monthly", CHAIN, date(2025, 12, 31)) == 600
    assert resolve("dibao_standard_monthly", CHAIN, date(2026, 1, 1)) == 650
    gansu = region_chain("620102")
    assert resolve("dibao_standard_monthly", gansu, date(2025, 12, 31)) == 550
    assert resolve("dibao_standard_monthly", gansu, date(2026, 1, 1)) is None  # `to` passed


def test_a_level_without_an_entry_in_force_falls_through(policy: Policy) -> None:
    resolve = policy.parameters.resolve
    # the prefecture (430100) sets it; the county inherits it, another prefecture does not
    assert resolve("ledger_update_max_interval_months", CHAIN, date(2025, 6, 1)) == 3
    assert (
        resolve("ledger_update_max_interval_months", region_chain("430702"), date(2025, 6, 1)) == 6
    )
    assert resolve("rural_includes_township_seat", CHAIN, date(2025, 6, 1)) is True
    assert (
        resolve("rural_includes_township_seat", region_chain("620102"), date(2025, 6, 1)) is False
    )


def test_without_a_region_only_national_values_apply(policy: Policy) -> None:
    values = policy.parameters.resolve_all(region_chain(None), date(2025, 6, 1))
    assert values["dibao_standard_monthly"] is None
    assert values["left_behind_min_months"] == 6
    assert values["screening_age_min"] == 35


def _region_dir(tmp_path: Path, body: str) -> Path:
    directory = tmp_path / "region"
    directory.mkdir()
    (directory / "x.yaml").write_text(body, encoding="utf-8")
    return directory


def _body(param: str, value: str) -> str:
    return f'region: "430000"\nparameters:\n  {param}:\n    - {{from: 2025-01-01, {value}}}\n'


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (_body("left_behind_min_months", "value: 3"), 3, "not overridable"),
        (_body("ledger_update_max_interval_months", "value: 12"), 4, "may only be lowered"),
        (_body("screening_age_max", "value: 60"), 4, "may only be raised"),
        (_body("screening_age_min", "value: 40"), 4, "may only be lowered"),
        (_body("dibao_standard", "value: 600"), 3, "unknown parameter"),
        (_body("dibao_standard_monthly", 'value: "600"'), 4, "不是 number"),
        (_body("dibao_standard_monthly", "value: 600, unit: 元"), 4, "unit"),
        ('region: "4300"\nparameters: {}\n', 1, "6位行政区划代码"),
    ],
)
def test_a_parameter_file_that_breaks_the_rules_is_refused_with_file_and_line(
    tmp_path: Path, body: str, line: int, words: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(extra_dirs=[_region_dir(tmp_path, body)])
    issues = [i for i in caught.value.issues if i.file.endswith("x.yaml")]
    assert issues, caught.value.issues
    assert any(i.line == line and words in i.message for i in issues), issues


def test_a_missing_extra_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(extra_dirs=[tmp_path / "nowhere"])
    assert "no such directory" in str(caught.value)


def test_policy_version_hashes_every_loaded_file(tmp_path: Path) -> None:
    regions = Path(__file__).parent.parent / "fixtures" / "regions"
    base = load_policy().version
    assert load_policy().version == base
    copied = tmp_path / "regions"
    shutil.copytree(regions, copied)
    with_regions = load_policy(extra_dirs=[copied]).version
    assert with_regions != base
    (copied / "changsha-430100.yaml").write_text(
        (copied / "changsha-430100.yaml").read_text(encoding="utf-8") + "# edited\n",
        encoding="utf-8",
    )
    assert load_policy(extra_dirs=[copied]).version != with_regions
