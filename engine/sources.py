"""A policy set as its files: written back to disk, loaded again, or overlaid with a draft.

A `Policy` keeps the exact bytes it hashed (`Policy.sources`), so the same set can be stored,
shipped to another process and loaded again with the same version.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from engine.errors import PolicyError, PolicyIssue
from engine.policy import Policy, PolicySource, load_policy

ROOT_FOLDERS = ("catalog", "rules")


def write_sources(sources: Iterable[PolicySource], into: Path) -> tuple[Path, list[Path]]:
    """Write the files under `into`; returns the policy root and the extra directories."""
    sources = list(sources)
    root = into / "root"
    count = max((s.folder for s in sources), default=1)
    extras = [into / f"extra-{n}" for n in range(2, count + 1)]
    for directory in (root / "parameters", *extras):
        directory.mkdir(parents=True, exist_ok=True)
    for source in sources:
        if source.folder == 0:
            base = root
        elif source.folder == 1:
            base = root / "parameters"
        else:
            base = extras[source.folder - 2]
        target = base / _safe(source.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.data)
    return root, extras


def load_sources(sources: Sequence[PolicySource], expect: str | None = None) -> Policy:
    """Load a set from its files; with `expect`, refuse one whose version differs."""
    with tempfile.TemporaryDirectory(prefix="guanai-policy-") as folder:
        root, extras = write_sources(sources, Path(folder))
        try:
            policy = load_policy(extra_dirs=extras, base=root)
        except PolicyError as exc:
            raise PolicyError([_inside(issue, Path(folder)) for issue in exc.issues]) from exc
        policy = _renamed(policy, Path(folder))
    if expect is not None and policy.version != expect:
        raise PolicyError(
            [
                PolicyIssue(
                    "(stored)",
                    0,
                    f"版本不符：应为 {expect}，得到 {policy.version} (version mismatch)",
                )
            ]
        )
    return policy


def overlay(
    sources: Sequence[PolicySource], draft: Iterable[tuple[str, bytes]]
) -> list[PolicySource]:
    """The set with a draft laid over it.

    A draft file at `catalog/…`, `rules/…` or `parameters/…` replaces (or adds) that file of
    the policy root; any other file replaces the regional parameter file of the same path in
    an extra directory, or else is added as a regional parameter file of its own.
    """
    out = {(s.folder, s.path): s for s in sources}
    new_folder = max((s.folder for s in sources), default=1) + 1
    for path, data in draft:
        parts = PurePosixPath(path).parts
        if parts and parts[0] in ROOT_FOLDERS:
            key = (0, path)
        elif parts and parts[0] == "parameters":
            key = (1, PurePosixPath(*parts[1:]).as_posix())
        else:
            same = [k for k in out if k[0] >= 2 and k[1] == path]
            key = same[0] if same else (new_folder, path)
        out[key] = PolicySource(key[0], key[1], data)
    return sorted(out.values(), key=lambda s: (s.folder, s.path))


def read_draft(directory: Path) -> list[tuple[str, bytes]]:
    """Every YAML file under a draft directory, by its path inside it."""
    return [
        (p.relative_to(directory).as_posix(), p.read_bytes())
        for p in sorted(directory.rglob("*.yaml"))
        if p.is_file()
    ]


def _name_inside(file: str, folder: Path) -> str:
    """A file named by its path inside the set (no temporary folder in it)."""
    for prefix in (folder.resolve(), folder):
        try:
            inside = Path(file).relative_to(prefix).parts
        except ValueError:
            continue
        if inside and (inside[0] == "root" or inside[0].startswith("extra-")):
            inside = inside[1:]
        return PurePosixPath(*inside).as_posix() if inside else file
    return file


def _inside(issue: PolicyIssue, folder: Path) -> PolicyIssue:
    return PolicyIssue(_name_inside(issue.file, folder), issue.line, issue.message)


def _renamed(policy: Policy, folder: Path) -> Policy:
    """The policy with its files and rules named inside the set."""
    rules = tuple(replace(r, file=_name_inside(r.file, folder)) for r in policy.rules)
    files = tuple(_name_inside(f, folder) for f in policy.files)
    pfiles = tuple(replace(f, file=_name_inside(f.file, folder)) for f in policy.parameter_files)
    return replace(policy, rules=rules, files=files, parameter_files=pfiles)


def _safe(path: str) -> Path:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise PolicyError([PolicyIssue(path, 0, "不允许的文件路径 (path not allowed)")])
    return Path(*pure.parts)
