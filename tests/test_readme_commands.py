"""Every `guanai …` command written in the README and docs/ parses as written.

Each command line is handed to the real command's parser (click, under typer) without
running it: an unknown option, a missing required option or a misspelt sub-command fails.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from cli.main import app

ROOT = Path(__file__).resolve().parent.parent
COMMAND = re.compile(r"\.venv/bin/guanai((?: [^`#|\n（]+)?)")


def _written() -> list[tuple[str, str]]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in COMMAND.finditer(line):
                found.append((f"{path.relative_to(ROOT)}:{n}", match.group(1).strip()))
    return found


WRITTEN = _written()


def test_the_readme_shows_commands_at_all() -> None:
    assert len(WRITTEN) >= 5


def _parse(line: str) -> str:
    """Parse a command line with the real parsers; the leaf command's name, or raise."""
    args = [a for a in shlex.split(line) if not (a.startswith("<") and a.endswith(">"))]
    if line.endswith("<id>"):
        args.append("tok_placeholder")
    command: Any = typer.main.get_command(app)
    ctx = command.make_context("guanai", [], resilient_parsing=True)
    name = "guanai"
    while hasattr(command, "get_command"):  # a group: the next word names its sub-command
        assert args and not args[0].startswith("-"), f"{line!r} names no command"
        name, *args = args
        sub = command.get_command(ctx, name)
        assert sub is not None, f"no sub-command {name!r}"
        command = sub
        ctx = command.make_context(name, [], parent=ctx, resilient_parsing=True)
    # the leaf parses its arguments for real: unknown or missing options raise
    command.make_context(name, list(args), parent=ctx.parent, resilient_parsing=False)
    return name


@pytest.mark.parametrize(("where", "line"), WRITTEN, ids=[w for w, _ in WRITTEN])
def test_each_written_command_parses(where: str, line: str) -> None:
    assert _parse(line)


@pytest.mark.parametrize(
    "line",
    [
        "token create --role admin",  # --name is required
        "ledger import x.xlsx --no-such-option 1",
        "no-such-command",
        "token",
    ],
)
def test_a_wrong_command_fails_to_parse(line: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 (click's or our assertion)
        _parse(line)
