"""Village survey import (民发〔2025〕7号 三（一）摸底排查): a CSV or XLSX sheet, one woman a row.

Headers are the facts' Chinese labels (policies/catalog/facts.yaml `zh`, with or without the
parenthesised note) or their English names, plus 姓名, 身份证号, 出生日期, 村 (required) and
评估日期. Each row is parsed, then stored by `create_case` in its own transaction: whole or
not at all. A row that fails becomes lines of the error report (行号, 字段, 原因, Reason),
which never repeats a cell's value. Each row carries an idempotency key, a keyed hash of its
normalised content, so importing the same rows again (or a re-saved file) stores nothing new.
"""

from ledger.survey.cells import CellError, Row, RowProblem, parse_cell, parse_row, row_key
from ledger.survey.importing import (
    ImportReport,
    default_report_path,
    import_rows,
    write_report,
)
from ledger.survey.pool import Evaluations
from ledger.survey.sheet import (
    OTHER_COLUMNS,
    REPORT_HEADER,
    WHOLE_ROW,
    Column,
    Outcome,
    Sheet,
    SurveyError,
    map_columns,
    read_sheet,
)

__all__ = [
    "OTHER_COLUMNS",
    "REPORT_HEADER",
    "WHOLE_ROW",
    "CellError",
    "Column",
    "Evaluations",
    "ImportReport",
    "Outcome",
    "Row",
    "RowProblem",
    "Sheet",
    "SurveyError",
    "default_report_path",
    "import_rows",
    "map_columns",
    "parse_cell",
    "parse_row",
    "read_sheet",
    "row_key",
    "write_report",
]
