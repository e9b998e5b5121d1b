"""The repository stands on its own: nothing in it points at a file outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".feature", ".toml", ".cfg", ".html", ".txt"}
SKIP = {".git", ".venv", ".tools", "node_modules", "reports", "var", ".mypy_cache"}
# a path that climbs out of the repository, or the contract's old home outside it
OUTSIDE = re.compile(r"\.\./shared|(?<![\w/])SPEC\.md|/work/|shared/policy")


def _files() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*")
        if p.is_file() and p.suffix in SUFFIXES and not SKIP & set(p.relative_to(ROOT).parts)
    ]


def test_no_file_refers_to_anything_outside_the_repository() -> None:
    this = Path(__file__).resolve()
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _files()
        if p.resolve() != this
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []


def test_the_contract_and_the_judgements_are_in_docs() -> None:
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    for section in ("§1", "§2", "§3", "§3a", "§4", "§5", "§6"):
        assert f"## {section} " in contract or f"### {section} " in contract, section
