"""`guanai evaluate` prints docs/contract.md §3 JSON; bad input exits 2 naming the field."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from engine import SHIPPED_POLICIES
from tests.conftest import REGIONS
from tests.id_numbers import mans

PROFILE = {
    "sex": "female",
    "marital_status": "married",
    "husband_away": True,
    "husband_away_reason": "migrant_work",
    "husband_away_continuous_months": 12,
    "residence_area": "village",
    "region_code": "430121",
    "household_income_pc_monthly": 500,
    "name": "王秀英",
    "id_number": "11010519491231002X",  # the GB 11643 example: 2, even, a woman's
}


def _write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_evaluate_prints_the_result_json_for_a_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            _write(tmp_path, PROFILE),
            "--as-of",
            "2025-06-01",
            "--policies",
            str(REGIONS),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2025-06-01"
    assert data["region"] == {"code": "430121", "chain": ["430121", "430100", "430000", "national"]}
    assert data["classifications"]["is_rural_left_behind_woman"] is True
    assert "REFER_DIBAO" in {r["code"] for r in data["results"]}
    assert "王秀英" not in result.stdout and "11010519491231002X" not in result.stdout


def test_policy_paths_from_the_environment_add_regional_parameters(tmp_path: Path) -> None:
    path = _write(tmp_path, PROFILE)
    without = CliRunner().invoke(app, ["evaluate", path, "--as-of", "2025-06-01"])
    with_env = CliRunner().invoke(
        app, ["evaluate", path, "--as-of", "2025-06-01"], env={"POLICY_PATHS": str(REGIONS)}
    )
    assert "dibao_standard_monthly" in json.loads(without.stdout)["missing_parameters"]
    before = {r["code"]: r["status"] for r in json.loads(without.stdout)["results"]}
    after = {r["code"]: r["status"] for r in json.loads(with_env.stdout)["results"]}
    assert before["REFER_DIBAO"] == "needs_info"  # no 低保 standard known nationally
    assert after["REFER_DIBAO"] == "refer_for_assessment"  # 500 < 湖南 600


def test_evaluate_reads_standard_input_and_accepts_the_http_envelope() -> None:
    body = json.dumps({"profile": {"domestic_violence_ongoing": True}})
    result = CliRunner().invoke(app, ["evaluate", "-", "--as-of", "2025-06-01"], input=body)
    assert result.exit_code == 0, result.output
    statuses = {r["code"]: r["status"] for r in json.loads(result.stdout)["results"]}
    assert statuses["URGENT_DV_POLICE"] == "urgent"


def test_evaluate_honours_the_as_of_of_a_request_shaped_file(tmp_path: Path) -> None:
    path = _write(tmp_path, {"profile": PROFILE, "as_of": "2024-03-15"})
    result = CliRunner().invoke(app, ["evaluate", path])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["as_of"] == "2024-03-15"
    overridden = CliRunner().invoke(app, ["evaluate", path, "--as-of", "2025-06-01"])
    assert json.loads(overridden.stdout)["as_of"] == "2025-06-01"


def test_bad_input_exits_2_naming_each_field(tmp_path: Path) -> None:
    bad = {"age_years": "40", "husband_away": 1, "colour": "red"}
    result = CliRunner().invoke(app, ["evaluate", _write(tmp_path, bad)])
    assert result.exit_code == 2
    error = json.loads(result.stderr)
    assert error["error"] == "invalid_profile"
    assert {e["field"] for e in error["detail"]} == {"age_years", "husband_away", "colour"}


def test_a_stated_sex_the_id_number_contradicts_exits_2_naming_sex(tmp_path: Path) -> None:
    man = mans("430121", "19800101", 7)  # a man's ID number (odd 17th digit), she says female
    result = CliRunner().invoke(app, ["evaluate", _write(tmp_path, {**PROFILE, "id_number": man})])
    assert result.exit_code == 2, result.output
    error = json.loads(result.stderr)
    assert error == {
        "error": "invalid_profile",
        "detail": [
            {
                "field": "sex",
                "zh": "与身份证号（第17位）所示的性别不一致",
                "en": "contradicts the sex shown by the ID number (its 17th digit)",
            }
        ],
    }
    assert man not in result.output and "王秀英" not in result.output
    agreeing = {**PROFILE, "id_number": man, "sex": "male"}
    assert CliRunner().invoke(app, ["evaluate", _write(tmp_path, agreeing)]).exit_code == 0


def test_malformed_json_and_bad_dates_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    assert CliRunner().invoke(app, ["evaluate", str(path)]).exit_code == 2
    bad_date = CliRunner().invoke(app, ["evaluate", _write(tmp_path, {}), "--as-of", "2025-13-01"])
    assert bad_date.exit_code == 2
    assert "as_of" in bad_date.stderr


def test_the_installed_guanai_command_runs() -> None:
    guanai = Path(sys.executable).parent / "guanai"
    done = subprocess.run([str(guanai), "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "evaluate" in done.stdout and "lint" in done.stdout and "serve" in done.stdout


def test_lint_names_an_impossible_date_by_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "hunan"
    folder.mkdir()
    (folder / "430000.yaml").write_text(
        'region: "430000"\nname: 湖南省\nparameters:\n  dibao_standard_monthly:\n'
        "    - {from: 2025-02-30, value: 600}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["lint", str(folder)])
    assert result.exit_code == 1, result.output
    assert "430000.yaml:5: " in result.output and "2025-02-30" in result.output
    assert "Traceback" not in result.output


def test_lint_without_arguments_checks_the_shipped_policies_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint"])
    assert result.exit_code == 0, result.output
    assert "通过" in result.output


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("is_hardship_group", "classifications.yaml"),
        ("is_rural_left_behind_woman", "classifications.yaml"),
        ("LEDGER_ENTRY", "codes.yaml"),
    ],
)
def test_renaming_a_name_the_code_relies_on_fails_lint_with_file_and_line(
    tmp_path: Path, name: str, file: str
) -> None:
    copy = tmp_path / "policies"
    shutil.copytree(SHIPPED_POLICIES, copy)
    for path in copy.rglob("*.yaml"):  # a consistent rename: the rules still agree
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(name, f"{name}_renamed"), encoding="utf-8")
    result = CliRunner().invoke(app, ["lint", str(copy)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if name in line and ":1:" in line]
    assert lines, result.output
    assert lines[0].startswith(f"{copy / 'catalog' / file}:1: {name}:")


def test_explain_all_adds_why_not_to_the_json(tmp_path: Path) -> None:
    five_months = {**PROFILE, "husband_away_continuous_months": 5}
    args = ["evaluate", _write(tmp_path, five_months), "--as-of", "2025-06-01"]
    result = CliRunner().invoke(app, [*args, "--explain", "all"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    reasons = data["classification_reasons"]["is_rural_left_behind_woman"]["reasons"]
    assert any("丈夫连续外出月数（5）" in r for r in reasons)
    assert data["not_applicable"][0]["would_apply_if"]
    plain = json.loads(CliRunner().invoke(app, args).stdout)
    assert "not_applicable" not in plain and plain["outside_programme"] != []


def test_format_text_prints_chinese_a_caseworker_reads(tmp_path: Path) -> None:
    divorced = {**PROFILE, "marital_status": "divorced", "dibao_recipient": True}
    divorced |= {"has_disability_certificate": True, "age_years": 50}
    args = ["evaluate", _write(tmp_path, divorced), "--as-of", "2025-06-01"]
    result = CliRunner().invoke(app, [*args, "--format", "text", "--explain", "all"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "农村留守妇女：否" in text
    assert "结论：按现有画像，本方案没有适用的事项" in text
    assert "方案以外（不属于或尚不能确定属于本方案对象，依国家法律仍可申请）" in text
    assert "【符合条件】困难残疾人生活补贴" in text
    assert "民政部门（方案以外）" in text
    assert "不适用的事项（只差一项即可适用的在前）" in text
    assert "王秀英" not in text and "11010519491231002X" not in text
    assert not text.lstrip().startswith("{")


def test_an_unknown_format_or_explain_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, PROFILE)
    for option in (["--format", "xml"], ["--explain", "some"]):
        result = CliRunner().invoke(app, ["evaluate", path, *option])
        assert result.exit_code == 2, (option, result.output)
