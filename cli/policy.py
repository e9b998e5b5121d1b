"""`guanai policy diff A B` and `guanai policy versions`: the policy versions kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from cli.options import PoliciesOption, env_policy_paths
from engine import Policy, PolicyError, load_policy
from engine.diff import diff_policies
from engine.sources import load_sources, overlay, read_draft

app = typer.Typer(
    help="政策版本：差异与历史 / Policy versions: differences and history",
    no_args_is_help=True,
    add_completion=False,
)

WHICH = (
    "current（当前文件）、草案目录（叠加在当前文件上）或已保存的版本（sha256:…）/ "
    "current, a draft directory laid over the current files, or a stored version"
)


def _refuse(exc: PolicyError) -> NoReturn:
    for issue in exc.issues:
        typer.echo(str(issue), err=True)
    raise typer.Exit(1)


def current_policy(policies: list[Path] | None) -> Policy:
    """The shipped policies with POLICY_PATHS and --policies (what `guanai serve` loads)."""
    return load_policy(extra_dirs=[*env_policy_paths(), *(policies or [])])


def draft_policy(base: Policy, draft: Path) -> Policy:
    """`base` with the draft directory (or single YAML file) laid over it."""
    files = read_draft(draft) if draft.is_dir() else [(draft.name, draft.read_bytes())]
    return load_sources(overlay(base.sources, files))


def _stored(version: str) -> Policy:
    from sqlmodel import Session

    from api.settings import Settings
    from ledger.db import make_engine
    from ledger.errors import PolicyVersionNotFound
    from ledger.policy_versions import load_version

    engine = make_engine(Settings().database_url)
    try:
        with Session(engine) as session:
            return load_version(session, version)
    except PolicyVersionNotFound as exc:
        typer.echo(f"{exc.zh}：{version}\n{exc.en}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


def _resolve(which: str, policies: list[Path] | None) -> Policy:
    try:
        if which == "current":
            return current_policy(policies)
        if Path(which).exists():
            return draft_policy(current_policy(policies), Path(which))
        return _stored(which)
    except PolicyError as exc:
        _refuse(exc)


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help=f"原政策 / the older set: {WHICH}")],
    b: Annotated[str, typer.Argument(help=f"新政策 / the newer set: {WHICH}")],
    policies: PoliciesOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """两个政策版本之间改了什么 / What changed between two sets: rules and parameter values."""
    result = diff_policies(_resolve(a, policies), _resolve(b, policies))
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(result.lines_zh()))


@app.command()
def versions() -> None:
    """列出提供过服务的全部政策版本 / Every policy version the service has served."""
    from sqlmodel import Session

    from api.settings import Settings
    from ledger.db import make_engine
    from ledger.policy_versions import list_versions

    engine = make_engine(Settings().database_url)
    try:
        with Session(engine) as session:
            for row in list_versions(session):
                typer.echo(
                    f"{row.version}  首次 {row.first_served_at:%Y-%m-%d %H:%M}  "
                    f"最近启用 {row.activated_at:%Y-%m-%d %H:%M}  {row.rules} 条规则"
                )
    finally:
        engine.dispose()
