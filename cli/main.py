"""`guanai` — the command line: evaluate a profile, lint policy files, serve the API."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from cli.impact import impact
from cli.ledger import app as ledger_app
from cli.options import PoliciesOption, env_policy_paths
from cli.policy import app as policy_app
from cli.text import render
from cli.tokens import app as tokens_app
from engine import SHIPPED_POLICIES, Evaluator, PolicyError, ProfileError, load_policy

if TYPE_CHECKING:  # the ledger commands import the database stack only when they run
    pass

Explain = Literal["applicable", "all"]
Format = Literal["json", "text"]

app = typer.Typer(
    help="关爱帮扶 guanai — 农村留守妇女困难群体精准关爱帮扶资格评估与转介 (民发〔2025〕7号)",
    no_args_is_help=True,
    add_completion=False,
)


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
    explain: Annotated[
        Explain,
        typer.Option(
            "--explain",
            help="all：另说明每个分类的理由和每个不适用事项的原因 / all: also why not",
        ),
    ] = "applicable",
    output: Annotated[
        Format,
        typer.Option(
            "--format", help="json（默认）或 text（中文，便于阅读）/ json (default) or text"
        ),
    ] = "json",
) -> None:
    """评估一份画像，输出结果 JSON（契约 §3）或中文文本 / Evaluate one profile, print the result."""
    data = _read_json(file)
    if isinstance(data, dict) and "profile" in data:  # shaped like the HTTP request
        if as_of is None and isinstance(data.get("as_of"), str):
            as_of = data["as_of"]  # its own date, unless --as-of overrides it
        data = data["profile"]
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
    try:
        policy = load_policy(extra_dirs=[*env_policy_paths(), *(policies or [])])
    except PolicyError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(1) from exc
    evaluator = Evaluator(policy)
    try:
        result = evaluator.evaluate(data, as_of=day, explain=explain)
    except ProfileError as exc:
        _fail(2, {"error": "invalid_profile", "detail": [e.as_dict() for e in exc.errors]})
    finally:
        evaluator.close()
    if output == "text":
        typer.echo(render(result.model_dump(mode="json"), policy.catalog), nl=False)
        return
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
    for directory in dirs or [SHIPPED_POLICIES]:
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
app.add_typer(ledger_app, name="ledger")
app.add_typer(tokens_app, name="token")
app.add_typer(policy_app, name="policy")
app.command("impact")(impact)


if __name__ == "__main__":  # pragma: no cover
    app()
