"""Options shared by the `guanai` commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

PoliciesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--policies",
        help="额外的政策目录（地区参数文件），可重复 / extra policy directory, repeatable",
        file_okay=False,
    ),
]


def env_policy_paths() -> list[Path]:
    """Extra policy directories from POLICY_PATHS (separated by `:`, like PATH)."""
    raw = os.environ.get("POLICY_PATHS", "")
    return [Path(p) for p in raw.split(":") if p.strip()]
