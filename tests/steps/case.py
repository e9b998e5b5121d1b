"""One scenario's state — the profile being written, the regional parameter files, and the
evaluation result — and the policies it is evaluated against, loaded once per set of files."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from engine import Evaluator, PolicyError, ProfileError, load_policy
from tests.steps.lookup import PolicyLike

DEFAULT_AS_OF = date(2025, 6, 1)


@functools.cache
def catalog() -> PolicyLike:
    """The shipped catalog: the labels every step looks names up in."""
    return load_policy().catalog


@functools.cache
def evaluator_for(parameter_files: tuple[str, ...]) -> Evaluator:
    """An evaluator over policies/ plus these regional parameter files (cached by content)."""
    if not parameter_files:
        return Evaluator(load_policy())
    directory = Path(tempfile.mkdtemp(prefix="guanai-features-"))
    atexit.register(shutil.rmtree, directory, True)
    for index, text in enumerate(parameter_files):
        (directory / f"region-{index}.yaml").write_text(text, encoding="utf-8")
    return Evaluator(load_policy(extra_dirs=[directory]))


@dataclass
class Case:
    """What a scenario has said about her so far, and what the evaluation returned."""

    profile: dict[str, object]
    parameter_files: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    profile_error: ProfileError | None = None
    policy_error: PolicyError | None = None

    def evaluate(self, as_of: date, explain: str = "applicable") -> None:
        """Build the profile and evaluate it; a refused profile or policy is kept, not raised."""
        try:
            evaluator = evaluator_for(tuple(self.parameter_files))
        except PolicyError as error:
            self.policy_error = error
            return
        try:
            outcome = evaluator.evaluate(dict(self.profile), as_of=as_of, explain=explain)  # type: ignore[arg-type]
        except ProfileError as error:
            self.profile_error = error
            return
        self.result = outcome.model_dump(mode="json")

    @property
    def data(self) -> dict[str, Any]:
        """The result JSON (contract §3); fails a scenario that expected one if none came."""
        if self.profile_error is not None:
            raise AssertionError(f"画像被拒绝 (profile refused): {self.profile_error.errors}")
        if self.policy_error is not None:
            raise AssertionError(f"政策文件被拒绝 (policy refused): {self.policy_error}")
        if self.result is None:
            raise AssertionError("尚未评估：缺少“当 评估她的资格”一步")
        return self.result

    def outcome(self, code: str) -> dict[str, Any] | None:
        """The result entry for `code`, or None when the code is not listed."""
        for entry in self.data["results"]:
            if entry["code"] == code:
                return dict(entry)
        return None
