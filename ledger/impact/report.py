"""The impact of a draft on the caseload, counted: per code, per department, per place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ledger.impact.compare import CaseChange


@dataclass
class CodeCounts:
    """How many cases gain, lose, become or stop being needs_info for one code."""

    gained: int = 0
    lost: int = 0
    to_needs_info: int = 0
    from_needs_info: int = 0


@dataclass
class ImpactReport:
    """Everything `guanai impact` and POST /v1/policies/impact report."""

    base_version: str
    draft_version: str
    as_of: str
    region: str | None
    cases: int = 0  # open cases replayed (within the region)
    skipped: int = 0  # cases not evaluated in full: nothing the draft changes differs for them
    errors: int = 0  # stored profiles the current profile model refuses
    changes: list[CaseChange] = field(default_factory=list)
    codes: dict[str, CodeCounts] = field(default_factory=dict)
    opened: Counter[str] = field(default_factory=Counter)
    closed: Counter[str] = field(default_factory=Counter)
    places: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        """How many cases change at all."""
        return len(self.changes)

    def add(self, change: CaseChange) -> None:
        """Count one changed case."""
        self.changes.append(change)
        for attr in ("gained", "lost", "to_needs_info", "from_needs_info"):
            for code in getattr(change, attr):
                counts = self.codes.setdefault(code, CodeCounts())
                setattr(counts, attr, getattr(counts, attr) + 1)
        self.opened.update(change.opened)
        self.closed.update(change.closed)
        self.places[(change.region or "", change.village)] += 1

    def as_json(self) -> dict[str, Any]:
        """The report as JSON: the counts and every changed case by its number."""
        return {
            "base_version": self.base_version,
            "draft_version": self.draft_version,
            "as_of": self.as_of,
            "region": self.region,
            "cases": self.cases,
            "changed": self.changed,
            "skipped_unaffected": self.skipped,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "codes": {code: vars(counts) for code, counts in sorted(self.codes.items())},
            "referrals": {
                "open": dict(self.opened.most_common()),
                "no_longer_indicated": dict(self.closed.most_common()),
            },
            "places": [
                {"region": region, "village": village, "changed": n}
                for (region, village), n in self.places.most_common()
            ],
            "changes": [
                {
                    "case": c.case,
                    "region": c.region,
                    "village": c.village,
                    "gained": list(c.gained),
                    "lost": list(c.lost),
                    "to_needs_info": list(c.to_needs_info),
                    "from_needs_info": list(c.from_needs_info),
                    "status": {k: list(v) for k, v in c.status.items()},
                    "classifications": {k: list(v) for k, v in c.classifications.items()},
                    "referrals_open": list(c.opened),
                    "referrals_no_longer_indicated": list(c.closed),
                }
                for c in self.changes
            ],
        }


def from_json(data: dict[str, Any]) -> ImpactReport:
    """A report back from its JSON (as stored with an impact job)."""
    report = ImpactReport(
        base_version=data["base_version"],
        draft_version=data["draft_version"],
        as_of=data["as_of"],
        region=data["region"],
        cases=data["cases"],
        skipped=data["skipped_unaffected"],
        errors=data["errors"],
        seconds=data["seconds"],
    )
    for c in data["changes"]:
        report.add(
            CaseChange(
                case=c["case"],
                region=c["region"],
                village=c["village"],
                gained=tuple(c["gained"]),
                lost=tuple(c["lost"]),
                to_needs_info=tuple(c["to_needs_info"]),
                from_needs_info=tuple(c["from_needs_info"]),
                status={k: (v[0], v[1]) for k, v in c["status"].items()},
                classifications={k: (v[0], v[1]) for k, v in c["classifications"].items()},
                opened=tuple(c["referrals_open"]),
                closed=tuple(c["referrals_no_longer_indicated"]),
            )
        )
    return report
