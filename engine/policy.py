"""Loading a whole policy: catalog, rule files and parameter files, checked together."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.catalog import Catalog, load_catalog
from engine.errors import PolicyError, PolicyIssue, relative
from engine.expr import references
from engine.parameters import LoadedParameterFile, ParameterTable, read_parameter_file
from engine.profile import FACT_FIELDS
from engine.rules import Rule, compile_rule, read_rule_file
from engine.vocabulary import REQUIRED, Kind
from engine.yamlfile import Located, load_yaml

SHIPPED_POLICIES = Path(__file__).resolve().parent.parent / "policies"


@dataclass(frozen=True)
class PolicySource:
    """One file exactly as hashed: its folder (0 the policy root, 1 its parameters/, 2… the
    extra directories in order), its path inside that folder, and its bytes."""

    folder: int
    path: str
    data: bytes


@dataclass(frozen=True)
class Policy:
    """A loaded, cross-checked policy: what the evaluator runs."""

    catalog: Catalog
    rules: tuple[Rule, ...]
    parameters: ParameterTable
    parameter_files: tuple[LoadedParameterFile, ...]
    files: tuple[str, ...]
    version: str
    sources: tuple[PolicySource, ...] = ()

    @property
    def code_rules(self) -> dict[str, Rule]:
        """Each code's rule, in catalog order."""
        by_target = {r.target: r for r in self.rules if r.is_code}
        return {code: by_target[code] for code in self.catalog.codes}

    def facts_read_by(self, codes: Iterable[str]) -> list[str]:
        """Every fact the conditions of `codes` read, through classifications and emitted()."""
        rules = {r.target: r for r in self.rules}
        facts: set[str] = set()
        seen: set[str] = set()
        pending = list(codes)
        while pending:
            target = pending.pop()
            if target in seen or target not in rules:
                continue
            seen.add(target)
            rule = rules[target]
            for node in (
                rule.when,
                rule.eligible_when,
                rule.choose_higher_when,
                *rule.outputs.values(),
            ):
                if node is None:
                    continue
                read, _, derived, emitted = references(node)
                facts |= read
                pending.extend(derived | emitted)
        return [f for f in self.catalog.facts if f in facts]

    @property
    def classification_rules(self) -> dict[str, Rule]:
        """Each classification's rule, in catalog order."""
        by_target = {r.target: r for r in self.rules if not r.is_code}
        return {name: by_target[name] for name in self.catalog.classifications}


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.yaml") if p.is_file())


def policy_root(base: Path | str | None = None) -> Path:
    """The policy root `load_policy` reads: `base`, or the shipped policies/."""
    return Path(base) if base is not None else SHIPPED_POLICIES


def parameter_dirs(root: Path, extra_dirs: Sequence[Path | str]) -> list[Path]:
    """The parameter directories in order: the root's parameters/ (folder 1), then the extra
    directories (folders 2, 3…)."""
    return [root / "parameters", *(Path(d) for d in extra_dirs)]


def policy_files(root: Path, extra_dirs: Sequence[Path | str]) -> list[tuple[int, Path, Path]]:
    """Every file of the set as (folder, the directory its path is taken inside, path), in the
    order they are hashed: catalog/, rules/, then each parameter directory's files."""
    files = [(0, root, p) for p in [*_yaml_files(root / "catalog"), *_yaml_files(root / "rules")]]
    for folder, directory in enumerate(parameter_dirs(root, extra_dirs), start=1):
        files.extend((folder, directory, p) for p in _yaml_files(directory))
    return files


def load_policy(extra_dirs: Sequence[Path | str] = (), base: Path | str | None = None) -> Policy:
    """Load the shipped policies (or `base`) and then every extra directory's parameter files.

    Raises PolicyError listing every problem as `file:line: message`.
    """
    root = policy_root(base)
    issues: list[PolicyIssue] = []
    try:
        catalog = load_catalog(root / "catalog")
    except PolicyError as exc:
        raise PolicyError(exc.issues) from exc
    _check_profile_matches(catalog, root, issues)
    _check_required_names(catalog, root, issues)

    digest = hashlib.sha256()
    files: list[str] = []
    sources: list[PolicySource] = []

    def remember(path: Path, under: Path, folder: int = 0) -> None:
        files.append(relative(path))
        inside = path.relative_to(under).as_posix()
        data = path.read_bytes()
        sources.append(PolicySource(folder, inside, data))
        digest.update(inside.encode() + b"\0")
        digest.update(data + b"\0")

    for path in _yaml_files(root / "catalog"):
        remember(path, root)

    rules: list[Rule] = []
    attempted: set[str] = set()  # targets whose rule failed: no second "no rule" message
    for path in _yaml_files(root / "rules"):
        remember(path, root)
        try:
            for entry, line, raw in read_rule_file(path):
                try:
                    rules.append(compile_rule(entry, relative(path), line, raw, catalog))
                except PolicyError as exc:
                    issues.extend(exc.issues)
                    attempted.update(filter(None, (entry.code, entry.classification)))
        except PolicyError as exc:
            issues.extend(exc.issues)
    _check_rule_set(rules, catalog, root, issues, attempted)

    table = ParameterTable(catalog)
    loaded: list[LoadedParameterFile] = []
    for folder, directory in enumerate(parameter_dirs(root, extra_dirs), start=1):
        if not directory.is_dir():
            issues.append(PolicyIssue(relative(directory), 0, "目录不存在 (no such directory)"))
            continue
        for path in _yaml_files(directory):
            remember(path, directory, folder)
            try:
                pfile, info = read_parameter_file(path, catalog)
            except PolicyError as exc:
                issues.extend(exc.issues)
                continue
            table.add(pfile)
            loaded.append(info)
    if issues:
        raise PolicyError(issues)
    return Policy(
        catalog=catalog,
        rules=tuple(rules),
        parameters=table,
        parameter_files=tuple(loaded),
        files=tuple(files),
        version="sha256:" + digest.hexdigest(),
        sources=tuple(sources),
    )


def _check_profile_matches(catalog: Catalog, root: Path, issues: list[PolicyIssue]) -> None:
    file = relative(root / "catalog" / "facts.yaml")
    data = load_yaml(root / "catalog" / "facts.yaml")
    lines = data.key_lines if isinstance(data, Located) else {}
    for fact in catalog.facts:
        if fact not in FACT_FIELDS:
            issues.append(
                PolicyIssue(
                    file, lines.get(fact, 0), f"{fact}: 画像模型中没有这个事实 (not in Profile)"
                )
            )
    for fact in FACT_FIELDS:
        if fact not in catalog.facts:
            issues.append(
                PolicyIssue(file, 0, f"{fact}: 画像模型有而目录中缺少 (missing from catalog)")
            )


def _check_required_names(catalog: Catalog, root: Path, issues: list[PolicyIssue]) -> None:
    """The names Python relies on (engine/vocabulary.py) must be in the catalogue."""
    where = {Kind.CLASSIFICATION: "classifications.yaml", Kind.CODE: "codes.yaml"}
    for name, kind in REQUIRED.items():
        present = catalog.classifications if kind is Kind.CLASSIFICATION else catalog.codes
        if name in present:
            continue
        path = root / "catalog" / where[kind]
        issues.append(
            PolicyIssue(
                relative(path),
                1,
                f"{name}: 程序依赖这个{'分类' if kind is Kind.CLASSIFICATION else '代码'}，"
                f"目录中却没有（不可改名或删除）"
                f" (the code relies on this {kind.value}; it may not be renamed or removed)",
            )
        )


def _check_rule_set(
    rules: Iterable[Rule],
    catalog: Catalog,
    root: Path,
    issues: list[PolicyIssue],
    attempted: set[str],
) -> None:
    seen_ids: dict[str, Rule] = {}
    targets: dict[str, Rule] = {}
    rules = list(rules)
    for rule in rules:
        if rule.id in seen_ids:
            first = seen_ids[rule.id]
            issues.append(
                PolicyIssue(
                    rule.file, rule.line, f"重复的规则 id {rule.id}（{first.file}:{first.line}）"
                )
            )
        seen_ids[rule.id] = rule
        if rule.target in targets:
            first = targets[rule.target]
            issues.append(
                PolicyIssue(
                    rule.file,
                    rule.line,
                    f"{rule.target} 已由 {first.id} 决定（{first.file}:{first.line}）",
                )
            )
        targets[rule.target] = rule
    codes_file = relative(root / "catalog" / "codes.yaml")
    for name in [*catalog.codes, *catalog.classifications]:
        if name not in targets and name not in attempted:
            issues.append(
                PolicyIssue(codes_file, 0, f"{name}: 没有规则决定它 (no rule decides it)")
            )
    # classifications and emitted() must not depend on themselves
    graph: dict[str, set[str]] = {}
    for rule in rules:
        deps: set[str] = set()
        for node in (rule.when, rule.eligible_when, rule.choose_higher_when):
            if node is None:
                continue
            _, _, derived, codes = references(node)
            deps |= derived | codes
        graph[rule.target] = deps
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            rule = targets[name]
            issues.append(
                PolicyIssue(rule.file, rule.line, f"循环引用 (cycle): {' → '.join([*path, name])}")
            )
            return
        state[name] = 1
        for dep in graph.get(name, ()):
            visit(dep, [*path, name])
        state[name] = 2

    for name in graph:
        visit(name, [])
