"""The evaluation result as the intake's panel shows it: the urgent banner first, then the
sections 符合条件 / 转介评估 / 需补充信息 / 告知, the next questions, why-not and beyond the
programme (the last two only when the engine's result carries them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SECTIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("eligible", "符合条件", ("choose_higher", "eligible", "obligation")),
    ("refer", "转介评估", ("refer_for_assessment",)),
    ("needs_info", "需补充信息", ("needs_info",)),
    ("info", "告知", ("info",)),
]


@dataclass
class Panel:
    """What the result panel shows, in order."""

    urgent: list[dict[str, Any]]
    sections: list[tuple[str, str, list[dict[str, Any]]]]
    questions: list[dict[str, Any]]
    referrals: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    missing_parameters: list[str]
    not_applicable: list[dict[str, Any]] = field(default_factory=list)
    classification_reasons: dict[str, Any] = field(default_factory=dict)
    outside_programme: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> str:
        """A one-line summary for screen readers (announced when the panel changes)."""
        parts = [f"{title}{len(items)}项" for _, title, items in self.sections]
        head = f"紧急{len(self.urgent)}项，" if self.urgent else ""
        return head + "，".join(parts) + f"，待问问题{len(self.questions)}个"


def build_panel(result: dict[str, Any]) -> Panel:
    """The panel of one evaluation result (as JSON, docs/contract.md)."""
    results: list[dict[str, Any]] = result.get("results", [])
    sections = [
        (key, title, [r for r in results if r["status"] in statuses])
        for key, title, statuses in SECTIONS
    ]
    return Panel(
        urgent=[r for r in results if r["status"] == "urgent"],
        sections=sections,
        questions=list(result.get("questions", [])),
        referrals=list(result.get("referrals", [])),
        reviews=list(result.get("reviews", [])),
        missing_parameters=list(result.get("missing_parameters", [])),
        not_applicable=list(result.get("not_applicable") or []),
        classification_reasons=dict(result.get("classification_reasons") or {}),
        outside_programme=list(result.get("outside_programme") or []),
    )
