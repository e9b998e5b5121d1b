"""`guanai ledger import FILE`: a village survey into the ledger, row by row."""

from __future__ import annotations

import getpass
import re
import signal
import threading
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from cli.options import PoliciesOption
from engine import Evaluator, PolicyError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from ledger.db import Ledger
    from ledger.survey import ImportReport

app = typer.Typer(
    help="台账：导入村级摸排表 / The ledger: import a village survey",
    no_args_is_help=True,
    add_completion=False,
)


def _stop(zh: str, en: str, code: int = 2) -> NoReturn:
    typer.echo(f"{zh}\n{en}", err=True)
    raise typer.Exit(code)


def _survey_actor() -> str:
    try:
        return f"survey-import:{getpass.getuser()}"[:100]
    except (OSError, KeyError):  # no login name (some containers)
        return "survey-import"


REGION = re.compile(r"[1-9][0-9]{5}")


def _default_region(table: Any, region: str, facts: Any) -> None:
    """`--region`: the region of every row whose own region cell is empty (a column of its
    own when the sheet has none). A row with neither is an error row (survey.parse_row)."""
    from ledger import survey

    columns = survey.map_columns(table.headers, facts, table.header_row)
    index = next((c.index for c in columns if c.target == "region_code"), None)
    if index is None:
        index = len(table.headers)
        table.headers.append("region_code")
    for i, (number, row) in enumerate(table.rows):
        cells = [*row, *[None] * (index + 1 - len(row))]
        if cells[index] is None or str(cells[index]).strip() == "":
            cells[index] = region
        table.rows[i] = (number, cells)


@app.command("import")
def import_survey(
    file: Annotated[Path, typer.Argument(help="摸排表 CSV 或 XLSX / survey file, CSV or XLSX")],
    errors: Annotated[
        Path | None,
        typer.Option(
            "--errors", help="错误报告路径（默认：文件旁的 <文件名>-导入错误.csv）/ error report"
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="评估日期，没有“评估日期”列时使用（默认今天）/ default evaluation date"
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="XLSX 工作表名（默认第一个）/ XLSX worksheet")
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="记入台账的操作人 / who is importing")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="行政区划代码，用于没有填写区划的行 / region of rows that name none"
        ),
    ] = None,
    policies: PoliciesOption = None,
) -> None:
    """导入村级摸排表：逐行校验、评估、建档 / Import a village survey: each row checked,
    evaluated and stored (whole or not at all). Exit 0: all rows imported or already there;
    1: some rows failed (see the error report); 2: the file cannot be imported."""
    from rich.console import Console
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from api.settings import Settings, ledger_location
    from engine.cache import load_policy_cached
    from ledger import survey
    from ledger.db import Ledger
    from ledger.identity import load_or_create_secret

    started = time.perf_counter()
    day = date.today()
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            _stop("--as-of 应为日期 YYYY-MM-DD", "--as-of must be a date YYYY-MM-DD")
    settings = Settings()
    try:
        table = survey.read_sheet(file, sheet)
        policy, _ = load_policy_cached(
            extra_dirs=[*settings.policy_paths, *(policies or [])],
            cache_dir=settings.policy_cache_dir,
        )
        if region is not None:
            if not REGION.fullmatch(region):
                _stop("--region 应为6位行政区划代码", "--region must be a 6-digit region code")
            _default_region(table, region, policy.catalog.facts)
        columns = survey.map_columns(table.headers, policy.catalog.facts, table.header_row)
    except survey.SurveyError as exc:
        _stop(f"无法导入 {file}：{exc.zh}", f"cannot import {file}: {exc.en}")
    except PolicyError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        _stop("政策文件有误，未导入任何行", "policy files refused; nothing imported")
    secret = settings.identity_secret or load_or_create_secret(settings.secret_file)
    evaluator = Evaluator(policy)
    # the evaluating processes first: forked now, before the ledger's connections and the
    # progress bar's thread exist, they inherit the evaluator and need no start-up
    evaluations = survey.Evaluations(evaluator, len(table.rows))
    try:
        ledger = Ledger.open(settings.database_url, secret)
    except SQLAlchemyError as exc:
        evaluations.close()
        evaluator.close()
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        _stop(
            f"无法打开台账数据库 {where}", f"cannot open the ledger {where}: {type(exc).__name__}"
        )
    console = Console(stderr=True)
    typer.echo(  # plain text: rich would wrap long paths at 80 columns
        f"读取 {file}：{table.source}，{len(table.rows):,} 行 → 台账 {ledger.engine.dialect.name}"
        f"（{ledger_location(settings.database_url)}），"
        f"评估日期 {day}（无“评估日期”列时）\n"
        f"reading {file}: {len(table.rows):,} rows → ledger {ledger.engine.dialect.name} "
        f"({ledger_location(settings.database_url)}), "
        f"evaluated on {day} unless a row has 评估日期",
        err=True,
    )
    report = survey.ImportReport()
    ready = time.perf_counter()
    stop = _CtrlC()
    try:
        with stop, _survey_progress(console) as progress:
            task = progress.add_task("", total=len(table.rows), counts="")

            def advance(_outcome: survey.Outcome) -> None:
                progress.update(task, advance=1, counts=_counts(report))

            survey.import_rows(
                ledger,
                evaluator,
                columns,
                table.rows,
                report,
                as_of=day,
                actor=actor or _survey_actor(),
                on_row=advance,
                stop=stop.requested,
                evaluations=evaluations,
            )
    except KeyboardInterrupt:  # a second Ctrl+C: the row in hand is rolled back
        report.aborted = "interrupted"
    finally:
        evaluations.close()
        evaluator.close()
        _audit(ledger, actor or _survey_actor(), file, report)
        ledger.engine.dispose()
    seconds = time.perf_counter() - ready
    target = errors or survey.default_report_path(file)
    if report.problems or target.exists():
        survey.write_report(target, report.problems)  # a stale report never outlives a re-run
    _summary(report, seconds, ready - started, target)
    if report.aborted == "interrupted":
        raise typer.Exit(130)
    raise typer.Exit(1 if report.failed or report.aborted else 0)


def _audit(ledger: Ledger, actor: str, file: Path, report: ImportReport) -> None:
    """One audit entry per import: who imported which file, and what came of it."""
    from ledger.audit import record
    from ledger.principal import Principal

    with ledger.session() as session:
        record(
            session,
            Principal(name=actor, role="admin"),
            "survey_import",
            file=file.name,
            rows=report.rows,
            imported=report.imported,
            existing=report.existing,
            failed=report.failed,
            aborted=report.aborted,
        )


class _CtrlC:
    """The first Ctrl+C stops the import after the row in hand; a second one at once."""

    def __init__(self) -> None:
        self.pressed = False
        self.previous: Any = None

    def requested(self) -> bool:
        """Whether Ctrl+C was pressed."""
        return self.pressed

    def _handle(self, _signum: int, _frame: Any) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _counts(report: ImportReport) -> str:
    existing = f"已存在 {report.existing:,} " if report.existing else ""
    return f"{existing}出错 {report.failed:,}"


def _survey_progress(console: Console) -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RowsPerSecond(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(f"{task.speed or 0:,.0f} 行/秒", style="progress.data.speed")

    return Progress(
        TextColumn("导入"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        RowsPerSecond(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[counts]}"),
        console=console,
    )


def _summary(report: ImportReport, seconds: float, startup: float, errors: Path) -> None:
    rate = report.rows / seconds if seconds > 0 else 0.0
    head = "导入中止" if report.aborted else "导入完成"
    head_en = "Import stopped" if report.aborted else "Import finished"
    lines = [
        f"{head}：导入 {report.imported:,}、已存在 {report.existing:,}、出错 {report.failed:,}"
        f"（共 {report.rows:,} 行），用时 {seconds:.1f} 秒，每秒 {rate:,.0f} 行"
        f"（另有启动 {startup:.1f} 秒：读取文件、加载政策、打开台账）",
        f"{head_en}: imported {report.imported:,}, already imported {report.existing:,}, "
        f"failed {report.failed:,} ({report.rows:,} rows) in {seconds:.1f} s, "
        f"{rate:,.0f} rows/s (plus {startup:.1f} s start-up: file, policies, ledger)",
    ]
    if report.blank:
        lines.append(f"跳过空行 {report.blank:,} / skipped {report.blank:,} empty row(s)")
    if report.aborted == "interrupted":
        lines.append(
            "已中断：已保存的行保留，再次导入同一文件即可继续 / interrupted: rows stored so far "
            "stay; import the same file again to go on"
        )
    elif report.aborted:
        lines.append(f"原因 / reason: 数据库错误 database error ({report.aborted})")
    if report.problems:
        lines.append(f"错误报告 (error report): {errors}")
    typer.echo("\n".join(lines))
