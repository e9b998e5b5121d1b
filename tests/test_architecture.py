"""The shape of the house, as tests: imports run cli → api → ledger → engine, never back.

Every import counts, at module level, inside functions and under TYPE_CHECKING alike: a
circle hidden by a late import is still a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "ledger", "api", "cli")
# What each package of ours may import of ours (its own modules always).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "engine": frozenset(),
    "ledger": frozenset({"engine"}),
    "api": frozenset({"ledger", "engine"}),
    "cli": frozenset({"api", "ledger", "engine"}),
}
# Third-party packages a layer must not touch.
BANNED: dict[str, frozenset[str]] = {
    "engine": frozenset({"fastapi", "starlette", "sqlalchemy", "sqlmodel", "alembic", "typer"}),
    "ledger": frozenset({"fastapi", "starlette", "typer", "uvicorn"}),
    "api": frozenset({"typer"}),
    "cli": frozenset(),
}
DURABLE = frozenset({"durable", "durable_rules_engine"})
DURABLE_HOME = "engine.durable"  # the only module that may import durable_rules
MAX_LINES = 300
GENERATED = ("migrations",)  # Alembic's generated revisions are not modules we write
# Debts being paid this round; each entry may only be removed, never added to.
KNOWN_LONG: set[str] = set()


@dataclass(frozen=True)
class Arrow:
    """One import: `source` (a module of ours) imports `target` at `line`."""

    source: str
    target: str
    line: int
    by_name: bool = False  # `from a import b`: a.b, in case b is a module


def modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> Iterator[tuple[str, Path]]:
    """Every module of ours under `root`, by dotted name."""
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if any(part in GENERATED for part in parts):
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def arrows(name: str, path: Path) -> Iterator[Arrow]:
    """Every import in one module, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Arrow(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield Arrow(name, base, node.lineno)
            for alias in node.names:  # `from ledger import survey` imports ledger.survey
                yield Arrow(name, f"{base}.{alias.name}", node.lineno, by_name=True)


def wrong_arrows(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Each import that breaks the layering, as `file:line: message`."""
    found = []
    for name, path in modules(root, packages):
        layer = name.split(".")[0]
        where = f"{path.relative_to(root)}"
        for arrow in arrows(name, path):
            if arrow.by_name:
                continue
            top = arrow.target.split(".")[0]
            if top in PACKAGES and top != layer and top not in MAY_IMPORT[layer]:
                found.append(f"{where}:{arrow.line}: {layer} must not import {arrow.target}")
            if top in BANNED[layer]:
                found.append(f"{where}:{arrow.line}: {layer} must not import {top}")
            if top in DURABLE and name != DURABLE_HOME:
                found.append(f"{where}:{arrow.line}: only {DURABLE_HOME} imports durable_rules")
    return sorted(set(found))


def circles(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[list[str]]:
    """Strongly connected groups of more than one module in our import graph (Tarjan)."""
    names = {name for name, _ in modules(root, packages)}
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in modules(root, packages):
        for arrow in arrows(name, path):
            target = arrow.target
            while target and target not in names:
                target = target.rpartition(".")[0]
            # a package's __init__ re-exporting its modules is not a circle with them
            if target and target != name and not name.startswith(f"{target}."):
                graph[name].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_imports_run_cli_api_ledger_engine_and_never_back() -> None:
    assert wrong_arrows(ROOT) == []


def test_there_is_no_import_circle() -> None:
    assert circles(ROOT) == []


def test_no_module_is_longer_than_300_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for _, path in modules(ROOT)
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(long) <= KNOWN_LONG, long


# -- the checks themselves fail when the house is broken ----------------------------------
def _house(tmp_path: Path, files: dict[str, str]) -> Path:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("", encoding="utf-8")
    for relative, text in files.items():
        (tmp_path / relative).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        ("engine/a.py", "from ledger import models\n", "engine must not import ledger"),
        ("ledger/a.py", "def f():\n    import api.main\n", "ledger must not import api.main"),
        ("ledger/b.py", "from fastapi import Request\n", "ledger must not import fastapi"),
        ("engine/c.py", "import durable_rules_engine\n", "only engine.durable imports"),
        ("api/d.py", "from cli.main import app\n", "api must not import cli.main"),
    ],
)
def test_a_wrong_arrow_is_found_with_its_file_and_line(
    tmp_path: Path, relative: str, text: str, expected: str
) -> None:
    found = wrong_arrows(_house(tmp_path, {relative: text}))
    assert len(found) == 1
    assert found[0].startswith(f"{relative}:")
    assert expected in found[0]


def test_a_circle_hidden_behind_type_checking_is_found(tmp_path: Path) -> None:
    root = _house(
        tmp_path,
        {
            "engine/a.py": "from engine.b import B\n",
            "engine/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from engine.a import A\n"
            ),
        },
    )
    assert circles(root) == [["engine.a", "engine.b"]]


def test_the_allowed_arrows_pass(tmp_path: Path) -> None:
    root = _house(
        tmp_path,
        {
            "cli/m.py": "import api.x\nimport ledger.y\nimport engine.z\n",
            "api/x.py": "from ledger import y\nfrom engine import z\n",
            "ledger/y.py": "from engine.z import Z\nimport sqlalchemy\n",
            "engine/z.py": "import pydantic\n",
            "engine/durable.py": "import durable_rules_engine\n",
        },
    )
    assert wrong_arrows(root) == []
    assert circles(root) == []
