"""The engine's error family.

EngineError
├── PolicyError        a policy, rule or parameter file is wrong (carries file:line issues)
├── ProfileError       a profile is invalid (carries one error per field, zh and en)
└── RulesRuntimeError  durable_rules failed while evaluating (never caused by input)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


@dataclass(frozen=True)
class PolicyIssue:
    """One problem in one policy file, at one line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyError(EngineError):
    """Policy files that cannot be loaded; `issues` lists every problem found."""

    def __init__(self, issues: list[PolicyIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True)
class FieldError:
    """One invalid profile field, explained in Chinese and English."""

    field: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form used by the API and the CLI."""
        return {"field": self.field, "zh": self.zh, "en": self.en}


class ProfileError(EngineError):
    """An invalid profile; `errors` names each bad field and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.en}" for e in errors))


class RulesRuntimeError(EngineError):
    """durable_rules reported a failure while evaluating a profile."""


def relative(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
