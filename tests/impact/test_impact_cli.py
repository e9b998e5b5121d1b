"""`guanai impact --draft DIR` and `guanai policy diff A B` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bench.caseload import generate
from cli.main import app
from engine import Policy
from ledger.db import Ledger
from tests.conftest import REGIONS


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    folder = tmp_path / "草案"
    folder.mkdir()
    text = (REGIONS / "hunan-430000.yaml").read_text(encoding="utf-8")
    (folder / "hunan-430000.yaml").write_text(text.replace("value: 600", "value: 800"), "utf-8")
    return folder


def test_impact_prints_chinese_tables_and_writes_the_xlsx(
    draft: Path, tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    ledger = Ledger.open(url, "s")
    generate(ledger.engine, 300, policy)
    ledger.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    out = tmp_path / "影响.xlsx"
    result = CliRunner().invoke(
        app,
        ["impact", "--draft", str(draft), "--policies", str(REGIONS), "--as-of", "2025-06-01",
         "--region", "430000", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "草案影响概况" in result.output and "按项目" in result.output
    assert load_workbook(out, read_only=True)["变化的个案"].cell(1, 1).value == "个案编号"


def test_a_refused_draft_exits_1_naming_file_and_line(draft: Path) -> None:
    (draft / "hunan-430000.yaml").write_text(
        'region: "430000"\nparameters:\n  no_such_parameter:\n    - {from: 2025-01-01, value: 1}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["impact", "--draft", str(draft), "--policies", str(REGIONS)])
    assert result.exit_code == 1
    assert "hunan-430000.yaml:3:" in result.output and "no_such_parameter" in result.output


def test_policy_diff_names_the_changed_parameter(draft: Path) -> None:
    result = CliRunner().invoke(app, ["policy", "diff", "current", str(draft), "--policies",
                                      str(REGIONS)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "参数 农村最低生活保障标准（dibao_standard_monthly），地区 430000：" in result.output
    assert "新：2025-01-01 起：800（测试用虚构标准）" in result.output
