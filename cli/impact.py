"""`guanai impact --draft DIR`: what a draft would do to the open cases in the ledger."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from cli.options import PoliciesOption
from cli.policy import current_policy, draft_policy
from engine import PolicyError

if TYPE_CHECKING:
    from rich.console import Console

    from engine import Policy
    from ledger.impact import ImpactReport


def _stop(zh: str, en: str, code: int = 2) -> NoReturn:
    typer.echo(f"{zh}\n{en}", err=True)
    raise typer.Exit(code)


def impact(
    draft: Annotated[
        Path,
        typer.Option("--draft", help="草案目录或单个 YAML 文件 / draft directory or YAML file"),
    ],
    region: Annotated[
        str | None,
        typer.Option("--region", help="只看该行政区划（作前缀）/ only this region (a prefix)"),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="评估日期 YYYY-MM-DD（默认今天）/ date")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="报告文件 .xlsx、.csv 或 .json / report file"),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="进程数（默认每核一个）/ processes")
    ] = None,
    policies: PoliciesOption = None,
) -> None:
    """草案对台账的影响：在当前政策与草案下重算每个在办个案 / Replay every open case under
    the current set and the draft; report what changes. Exit 1: the draft is refused."""
    from rich.console import Console

    from api.settings import Settings
    from ledger.db import make_engine
    from ledger.impact import Replay, replay, write_report

    day = date.today()
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            _stop("--as-of 应为日期 YYYY-MM-DD", "--as-of must be a date YYYY-MM-DD")
    if region is not None and not (len(region) == 6 and region.isdigit()):
        _stop("--region 应为6位行政区划代码", "--region must be a 6-digit region code")
    if out is not None and out.suffix.lower() not in (".xlsx", ".csv", ".json"):
        _stop("--out 应为 .xlsx、.csv 或 .json 文件", "--out must be .xlsx, .csv or .json")
    if not draft.exists():
        _stop(f"草案不存在：{draft}", f"no such draft: {draft}")
    try:
        base = current_policy(policies)
        proposed = draft_policy(base, draft)
    except PolicyError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        _stop("草案有误，未计算影响", "the draft is refused; nothing replayed", code=1)
    console = Console(stderr=True)
    engine = make_engine(Settings().database_url)
    try:
        report = _run(console, engine, Replay(base, proposed, day, region, workers), replay)
    finally:
        engine.dispose()
    show(Console(), report, proposed)
    if out is not None:
        write_report(report, proposed.catalog, out)
        typer.echo(f"报告已写入 {out}（只含个案编号，不含身份信息）", err=True)


def _run(console: Console, engine: object, job: object, replay: object) -> ImpactReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("重算个案"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return replay(engine, job, progress)  # type: ignore[operator, no-any-return]


def show(console: Console, report: ImpactReport, policy: Policy) -> None:
    """The report as Chinese tables in the terminal."""
    from rich.table import Table

    from ledger.impact.export import code_rows, department_rows, place_rows, summary_rows

    def table(title: str, headers: list[str], rows: list[list[object]]) -> None:
        t = Table(title=title, title_justify="left")
        for header in headers:
            t.add_column(header)
        for row in rows:
            t.add_row(*(str(v) for v in row))
        console.print(t)

    table("草案影响概况", ["项目", "值"], [list(r) for r in summary_rows(report)])
    table(
        "按项目",
        ["代码", "名称", "新增符合", "不再符合", "变为需补充信息", "不再需补充信息"],
        code_rows(report, policy.catalog),
    )
    table(
        "按部门（转介）",
        ["部门", "将新开", "将标为不再需要"],
        department_rows(report, policy.catalog),
    )
    table("按地区和村", ["行政区划代码", "村", "受影响个案数"], place_rows(report)[:20])
