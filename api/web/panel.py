"""The evaluation result as the intake's panel shows it: the urgent banner first, then the
sections 符合条件 / 转介评估 / 需补充信息 / 告知, the next questions, why-not and beyond the
programme (the last two only when the engine's result carries them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import Policy

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
    classification_reasons: list[tuple[str, Any, list[str]]] = field(default_factory=list)
    outside_programme: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> str:
        """A one-line summary for screen readers (announced when the panel changes)."""
        parts = [f"{title}{len(items)}项" for _, title, items in self.sections]
        head = f"紧急{len(self.urgent)}项，" if self.urgent else ""
        return head + "，".join(parts) + f"，待问问题{len(self.questions)}个"


def _why_not(policy: Policy, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each not-applicable code with its one-fact changes labelled in Chinese."""
    facts = policy.catalog.facts
    out = []
    for item in items:
        flips = [
            {
                **w,
                "label": facts[w["fact"]].zh if w["fact"] in facts else w["fact"],
                "value_zh": facts[w["fact"]].value_label(w["value"])
                if w["fact"] in facts
                else str(w["value"]),
            }
            for w in item.get("would_apply_if", [])
        ]
        out.append({**item, "would_apply_if": flips})
    return out


def _classes(policy: Policy, reasons: dict[str, Any]) -> list[tuple[str, Any, list[str]]]:
    known = policy.catalog.classifications
    return [
        (known[n].zh if n in known else n, r.get("value"), list(r.get("reasons", [])))
        for n, r in reasons.items()
    ]


def build_panel(result: dict[str, Any], policy: Policy) -> Panel:
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
        not_applicable=_why_not(policy, list(result.get("not_applicable") or [])),
        classification_reasons=_classes(policy, dict(result.get("classification_reasons") or {})),
        outside_programme=list(result.get("outside_programme") or []),
    )
