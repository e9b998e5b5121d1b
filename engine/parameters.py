"""Regional parameter files and their resolution by region chain and date (docs/contract.md §4)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field

from engine.catalog import Catalog, ParameterDef, Strict, validate_located
from engine.errors import PolicyError, PolicyIssue, relative
from engine.yamlfile import Located, load_yaml

REGION_PATTERN = re.compile(r"^(national|[1-9][0-9]{5})$")


class Entry(Strict):
    """A value in force from a date (and optionally to a date), with its source."""

    start: date = Field(alias="from")
    to: date | None = None
    value: Any
    source: str | None = None


class ParameterFile(Strict):
    """A parameter file: one region's values."""

    region: str
    name: str | None = None
    parameters: dict[str, list[Entry]]


@dataclass(frozen=True)
class LoadedParameterFile:
    """What /v1/policies lists about a parameter file."""

    file: str
    region: str
    name: str | None
    parameters: tuple[str, ...]


def region_chain(region_code: str | None) -> list[str]:
    """county → prefecture → province → national, e.g. 430121 → 430121, 430100, 430000."""
    if not region_code:
        return ["national"]
    chain = [region_code, region_code[:4] + "00", region_code[:2] + "0000"]
    return [*dict.fromkeys(chain), "national"]


def _type_ok(pdef: ParameterDef, value: Any) -> bool:
    if pdef.type == "boolean":
        return isinstance(value, bool)
    if pdef.type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if pdef.type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, list)


def _direction_problem(pdef: ParameterDef, value: Any) -> str | None:
    base = pdef.default
    if pdef.direction is None or base is None or not isinstance(value, int | float):
        return None
    lower_only = pdef.direction == "may_only_decrease" or pdef.bound == "min"
    if lower_only and value > base:
        return f"只能调低（全国值 {base}）(may only be lowered below the national {base})"
    if not lower_only and value < base:
        return f"只能调高（全国值 {base}）(may only be raised above the national {base})"
    return None


def read_parameter_file(path: Path, catalog: Catalog) -> tuple[ParameterFile, LoadedParameterFile]:
    """Read and check one parameter file; PolicyError with file:line on any problem."""
    file = relative(path)
    data = load_yaml(path)
    pfile = validate_located(ParameterFile, data, file)
    issues: list[PolicyIssue] = []
    lines = data.key_lines if isinstance(data, Located) else {}
    params = data.get("parameters") if isinstance(data, Located) else None
    plines = params.key_lines if isinstance(params, Located) else {}
    if not REGION_PATTERN.match(pfile.region):
        issues.append(
            PolicyIssue(
                file,
                lines.get("region", 1),
                f"region 须为 national 或6位行政区划代码: {pfile.region!r}",
            )
        )
    for name, entries in pfile.parameters.items():
        line = plines.get(name, 1)
        pdef = catalog.parameters.get(name)
        if pdef is None:
            issues.append(PolicyIssue(file, line, f"未知参数 (unknown parameter) {name}"))
            continue
        if pdef.overridable is False and pfile.region != "national":
            issues.append(
                PolicyIssue(file, line, f"{name}: 全国统一，地方不得调整 (not overridable)")
            )
        for index, entry in enumerate(entries):
            eline = params[name].item_lines[index] if isinstance(params, Located) else line
            if entry.to is not None and entry.to < entry.start:
                issues.append(PolicyIssue(file, eline, f"{name}: to 早于 from"))
            if not _type_ok(pdef, entry.value):
                issues.append(
                    PolicyIssue(file, eline, f"{name}: 值 {entry.value!r} 不是 {pdef.type}")
                )
                continue
            problem = _direction_problem(pdef, entry.value) if pfile.region != "national" else None
            if problem:
                issues.append(PolicyIssue(file, eline, f"{name}: {problem}"))
    if issues:
        raise PolicyError(issues)
    info = LoadedParameterFile(file, pfile.region, pfile.name, tuple(pfile.parameters))
    return pfile, info


@dataclass
class ParameterTable:
    """Every region's dated entries, and resolution of a parameter for a profile."""

    catalog: Catalog
    by_region: dict[str, dict[str, list[Entry]]] = field(default_factory=dict)

    def add(self, pfile: ParameterFile) -> None:
        """Add a file's entries (later files win ties on `from`)."""
        table = self.by_region.setdefault(pfile.region, {})
        for name, entries in pfile.parameters.items():
            table.setdefault(name, []).extend(entries)

    def resolve(self, name: str, chain: list[str], day: date) -> Any:
        """The value in force on `day` along the chain; the catalog default if none."""
        for region in chain:
            entries = self.by_region.get(region, {}).get(name, [])
            best: Entry | None = None
            for entry in entries:
                in_force = entry.start <= day and (entry.to is None or day <= entry.to)
                if in_force and (best is None or entry.start >= best.start):
                    best = entry
            if best is not None:
                return (
                    float(best.value)
                    if self.catalog.parameters[name].type == "number"
                    else best.value
                )
        default = self.catalog.parameters[name].default
        if default is not None and self.catalog.parameters[name].type == "number":
            return float(default)
        return default

    def resolve_all(self, chain: list[str], day: date) -> dict[str, Any]:
        """Every parameter's value for a region chain on a day (None = unknown)."""
        return {name: self.resolve(name, chain, day) for name in self.catalog.parameters}
