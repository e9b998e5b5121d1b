"""What a case page shows of the ledger's history: each assessment with the codes gained and
lost since the one before, and a profile shown fact by fact in Chinese."""

from __future__ import annotations

from typing import Any

from engine import Policy


def assessment_changes(assessments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Newest first: each assessment with `gained`, `lost` and `changed` codes."""
    out: list[dict[str, Any]] = []
    before: dict[str, str] | None = None
    for item in assessments:
        now = {r["code"]: r["status"] for r in item["result"].get("results", [])}
        names = {r["code"]: r["name"]["zh"] for r in item["result"].get("results", [])}
        old = before or {}
        out.append(
            {
                **item,
                "codes": [(names[c], s) for c, s in now.items()],
                "gained": [names[c] for c in now if c not in old] if before is not None else [],
                "lost": [c for c in old if c not in now],
                "changed": [
                    (names[c], old[c], s) for c, s in now.items() if c in old and old[c] != s
                ],
            }
        )
        before = now
    return list(reversed(out))


def shown_profile(policy: Policy, profile: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(fact id, Chinese label, Chinese value) in catalogue order, known facts only."""
    rows = []
    for name, fdef in policy.catalog.facts.items():
        if name not in profile:
            continue
        value = profile[name]
        text = (
            "、".join(fdef.value_label(v) for v in value)
            if isinstance(value, list)
            else fdef.value_label(value)
        )
        rows.append((name, fdef.zh, text))
    return rows


def code_names(policy: Policy, codes: list[str]) -> list[str]:
    """Chinese names of codes."""
    return [policy.catalog.codes[c].zh if c in policy.catalog.codes else c for c in codes]


def department_name(policy: Policy, department: str) -> str:
    """A department's Chinese name."""
    found = policy.catalog.departments.get(department)
    return found.zh if found else department
