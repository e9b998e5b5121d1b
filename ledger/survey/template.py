"""The blank 摸排表: an XLSX with the headers the import reads (姓名, 身份证号, 出生日期, 村,
评估日期, then every fact's Chinese label), a drop-down list for every enumerated column and
是/否 for yes-or-no ones (openpyxl DataValidation, the choices kept on a hidden sheet), and
the ID column formatted as text so that Excel and WPS keep all eighteen characters."""

from __future__ import annotations

import io
from collections.abc import Mapping

from engine.catalog import FactDef

ROWS = 500  # rows prepared with drop-downs and text format
FIRST = ("姓名", "身份证号", "出生日期", "村", "评估日期")
YES_NO = ("是", "否")


def choices_of(fdef: FactDef) -> tuple[str, ...]:
    """The drop-down of a column: the values' Chinese labels, 是/否, or none."""
    if fdef.type == "boolean":
        return YES_NO
    if fdef.values and fdef.type != "list":
        return tuple(label.zh for label in fdef.values.values())
    return ()


def blank_survey(facts: Mapping[str, FactDef]) -> bytes:
    """The template as XLSX bytes."""
    from openpyxl import Workbook  # only when the template is asked for: slow to import
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "摸排表"
    lists = book.create_sheet("选项")
    lists.sheet_state = "hidden"
    headers = [*FIRST, *(fdef.zh for fdef in facts.values())]
    sheet.append(headers)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F3")
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(30, len(header) * 2))
    sheet.freeze_panes = "A2"
    id_column = get_column_letter(FIRST.index("身份证号") + 1)
    for row in range(2, ROWS + 2):
        sheet[f"{id_column}{row}"].number_format = "@"
    sheet.column_dimensions[id_column].width = 22
    for offset, fdef in enumerate(facts.values()):
        options = choices_of(fdef)
        if not options:
            continue
        list_column = get_column_letter(offset + 1)
        for row, option in enumerate(options, start=1):
            lists[f"{list_column}{row}"] = option
        letter = get_column_letter(len(FIRST) + offset + 1)
        validation = DataValidation(
            type="list",
            formula1=f"='选项'!${list_column}$1:${list_column}${len(options)}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="请从列表中选择",
            error=f"“{fdef.zh}”请从下拉列表中选择（不清楚请留空）",
        )
        validation.add(f"{letter}2:{letter}{ROWS + 1}")
        sheet.add_data_validation(validation)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
