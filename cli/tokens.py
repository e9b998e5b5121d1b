"""`guanai token create|list|revoke`: API tokens, managed on the machine that holds the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the database stack is imported only when a command runs
    from ledger.db import Ledger

app = typer.Typer(help="API 令牌：创建、列出、撤销 / API tokens", no_args_is_help=True)
ACTOR = "cli"


def _ledger() -> Ledger:
    from api.settings import Settings
    from ledger.db import Ledger
    from ledger.identity import load_or_create_secret

    settings = Settings()
    secret = settings.identity_secret or load_or_create_secret(settings.secret_file)
    return Ledger.open(settings.database_url, secret)


@app.command("create")
def create(
    role: Annotated[str, typer.Option(help="admin | caseworker | department | policy")],
    name: Annotated[str, typer.Option(help="持有人 / holder (a person or a system)")],
    region: Annotated[
        str | None, typer.Option(help="6位区划代码，作前缀（caseworker/department 必填）")
    ] = None,
    department: Annotated[str | None, typer.Option(help="department 角色的部门代码")] = None,
    national: Annotated[
        bool, typer.Option("--national", help="caseworker/department 令牌覆盖全国（不填区划）")
    ] = False,
) -> None:
    """创建令牌，只显示这一次 / Create a token; it is printed once, only its hash is kept."""
    from engine import load_policy
    from ledger.tokens import create_token

    departments = set(load_policy().catalog.departments)
    ledger = _ledger()
    with ledger.session() as session:
        try:
            issued = create_token(
                session,
                name=name,
                role=role,
                region=region,
                department=department,
                created_by=ACTOR,
                departments=departments,
                national=national,
            )
        except ValueError as exc:
            typer.echo(f"错误 (error): {exc}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(issued.token)
    typer.echo(
        f"已创建令牌 {issued.record.id}（{role}，{region or '全国'}"
        f"{'，' + department if department else ''}）。令牌只显示这一次，请妥善保存。\n"
        f"Token {issued.record.id} created; it is shown only once.",
        err=True,
    )


@app.command("list")
def list_() -> None:
    """列出令牌（不显示令牌本身）/ List tokens (never the tokens themselves)."""
    from rich.console import Console
    from rich.table import Table

    from ledger.tokens import list_tokens

    table = Table(
        "id",
        "名称 name",
        "角色 role",
        "区划 region",
        "部门 department",
        "创建 created",
        "撤销 revoked",
    )
    with _ledger().session() as session:
        for t in list_tokens(session):
            table.add_row(
                t["id"],
                t["name"],
                t["role"],
                t["region"] or "全国",
                t["department"] or "",
                t["created_at"][:19],
                (t["revoked_at"] or "")[:19],
            )
    Console().print(table)


@app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(help="令牌 id（见 guanai token list）")],
) -> None:
    """撤销令牌，立即生效 / Revoke a token at once."""
    from ledger.errors import LedgerError
    from ledger.tokens import revoke_token

    with _ledger().session() as session:
        try:
            revoke_token(session, token_id, ACTOR)
        except LedgerError as exc:
            typer.echo(f"错误 (error): {exc.zh}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"已撤销 {token_id} (revoked)", err=True)
