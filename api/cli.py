"""`guanai` — the command line: evaluate a profile, lint policy files, serve the API."""

from __future__ import annotations

import getpass
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from api.cli_tokens import app as tokens_app
from engine import Evaluator, PolicyError, ProfileError, load_policy

if TYPE_CHECKING:  # the ledger commands import the database stack only when they run
    from rich.console import Console
    from rich.progress import Progress

    from api.ledger.survey import ImportReport

app = typer.Typer(
    help="关爱帮扶 guanai — 农村留守妇女困难群体精准关爱帮扶资格评估与转介 (民发〔2025〕7号)",
    no_args_is_help=True,
    add_completion=False,
)

PoliciesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--policies",
        help="额外的政策目录（地区参数文件），可重复 / extra policy directory, repeatable",
        file_okay=False,
    ),
]


def _env_policy_paths() -> list[Path]:
    raw = os.environ.get("POLICY_PATHS", "")
    return [Path(p) for p in raw.split(":") if p.strip()]


def _fail(code: int, payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2), err=True)
    raise typer.Exit(code)


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        _fail(
            2,
            {"error": "unreadable_file", "detail": {"zh": f"无法读取文件：{exc}", "en": str(exc)}},
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(
            2,
            {
                "error": "malformed_json",
                "detail": {
                    "zh": f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}",
                    "en": f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                },
            },
        )


@app.command()
def evaluate(
    file: Annotated[
        str, typer.Argument(help="画像 JSON 文件，- 表示标准输入 / profile JSON, - for stdin")
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="评估日期 YYYY-MM-DD（默认今天）/ evaluation date")
    ] = None,
    policies: PoliciesOption = None,
) -> None:
    """评估一份画像，输出 SPEC §3 的 JSON / Evaluate one profile and print the result JSON."""
    day = date.today()
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            _fail(
                2,
                {
                    "error": "invalid_as_of",
                    "detail": [
                        {
                            "field": "as_of",
                            "zh": "应为日期 YYYY-MM-DD",
                            "en": "must be a date YYYY-MM-DD",
                        }
                    ],
                },
            )
    data = _read_json(file)
    if isinstance(data, dict) and "profile" in data:
        data = data["profile"]
    try:
        policy = load_policy(extra_dirs=[*_env_policy_paths(), *(policies or [])])
    except PolicyError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(1) from exc
    evaluator = Evaluator(policy)
    try:
        result = evaluator.evaluate(data, as_of=day)
    except ProfileError as exc:
        _fail(2, {"error": "invalid_profile", "detail": [e.as_dict() for e in exc.errors]})
    finally:
        evaluator.close()
    typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))


@app.command()
def lint(
    dirs: Annotated[
        list[Path] | None,
        typer.Argument(help="政策目录（默认 policies/）或地区参数目录 / policy or parameter dirs"),
    ] = None,
) -> None:
    """检查规则与参数文件，问题以 file:line: message 列出 / Check rule and parameter files."""
    problems = 0
    for directory in dirs or [Path("policies")]:
        try:
            if (directory / "catalog").is_dir():
                policy = load_policy(base=directory)
            else:
                policy = load_policy(extra_dirs=[directory])
        except PolicyError as exc:
            for issue in exc.issues:
                typer.echo(str(issue))
            problems += len(exc.issues)
            continue
        typer.echo(
            f"{directory}: 通过 (ok) — {len(policy.rules)} 条规则, "
            f"{len(policy.parameter_files)} 个参数文件, {policy.version[:19]}…",
            err=True,
        )
    if problems:
        typer.echo(f"发现 {problems} 个问题 ({problems} problem(s))", err=True)
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="监听地址 / host")] = None,
    port: Annotated[int | None, typer.Option(help="端口 / port")] = None,
    workers: Annotated[int, typer.Option(help="进程数 / worker processes")] = 1,
) -> None:
    """启动 HTTP 服务 / Start the HTTP service (uvicorn)."""
    import uvicorn

    from api.settings import Settings

    settings = Settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    os.environ["HOST"], os.environ["PORT"] = bind_host, str(bind_port)  # for the app's settings
    typer.echo(
        f"关爱帮扶 guanai: http://{bind_host}:{bind_port}  文档 (docs): "
        f"http://{bind_host}:{bind_port}/docs",
        err=True,
    )
    uvicorn.run(
        "api.main:app",
        host=bind_host,
        port=bind_port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


# -- guanai ledger … --------------------------------------------------------------------
ledger_app = typer.Typer(
    help="台账：导入村级摸排表 / The ledger: import a village survey",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(ledger_app, name="ledger")
app.add_typer(tokens_app, name="token")


def _stop(zh: str, en: str, code: int = 2) -> NoReturn:
    typer.echo(f"{zh}\n{en}", err=True)
    raise typer.Exit(code)


def _survey_actor() -> str:
    try:
        return f"survey-import:{getpass.getuser()}"[:100]
    except (OSError, KeyError):  # no login name (some containers)
        return "survey-import"


@ledger_app.command("import")
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
    policies: PoliciesOption = None,
) -> None:
    """导入村级摸排表：逐行校验、评估、建档 / Import a village survey: each row checked,
    evaluated and stored (whole or not at all). Exit 0: all rows imported or already there;
    1: some rows failed (see the error report); 2: the file cannot be imported."""
    from rich.console import Console
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from api.ledger import survey
    from api.ledger.db import Ledger
    from api.ledger.identity import load_or_create_secret
    from api.settings import Settings

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
        policy = load_policy(extra_dirs=[*settings.policy_paths, *(policies or [])])
        columns = survey.map_columns(table.headers, policy.catalog.facts, table.header_row)
    except survey.SurveyError as exc:
        _stop(f"无法导入 {file}：{exc.zh}", f"cannot import {file}: {exc.en}")
    except PolicyError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        _stop("政策文件有误，未导入任何行", "policy files refused; nothing imported")
    secret = settings.identity_secret or load_or_create_secret(settings.secret_file)
    try:
        ledger = Ledger.open(settings.database_url, secret)
    except SQLAlchemyError as exc:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        _stop(
            f"无法打开台账数据库 {where}", f"cannot open the ledger {where}: {type(exc).__name__}"
        )
    evaluator = Evaluator(policy)
    console = Console(stderr=True)
    typer.echo(  # plain text: rich would wrap long paths at 80 columns
        f"读取 {file}：{table.source}，{len(table.rows):,} 行 → 台账 {ledger.engine.dialect.name}\n"
        f"reading {file}: {len(table.rows):,} rows → ledger {ledger.engine.dialect.name}",
        err=True,
    )
    report = survey.ImportReport()
    ready = time.perf_counter()
    try:
        with _survey_progress(console) as progress:
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
            )
    except KeyboardInterrupt:
        report.aborted = "interrupted"
    finally:
        evaluator.close()
        ledger.engine.dispose()
    seconds = time.perf_counter() - ready
    target = errors or survey.default_report_path(file)
    if report.problems or target.exists():
        survey.write_report(target, report.problems)  # a stale report never outlives a re-run
    _summary(report, seconds, ready - started, target)
    if report.aborted == "interrupted":
        raise typer.Exit(130)
    raise typer.Exit(1 if report.failed or report.aborted else 0)


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
    if report.aborted and report.aborted != "interrupted":
        lines.append(f"原因 / reason: 数据库错误 database error ({report.aborted})")
    if report.problems:
        lines.append(f"错误报告 (error report): {errors}")
    typer.echo("\n".join(lines))


if __name__ == "__main__":  # pragma: no cover
    app()
