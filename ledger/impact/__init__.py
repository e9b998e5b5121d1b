"""The impact of a draft policy on the caseload (issue 13): which open cases change, which
codes they gain or lose, which referrals would open or close — by code, department, place.

    report = replay(engine, Replay(base=current, draft=draft, as_of=day, region="430000"))
    write_report(report, draft.catalog, Path("影响.xlsx"))

Used by `guanai impact`, POST /v1/policies/impact and the page /app/policies/impact.
"""

from ledger.impact.compare import CaseChange, compare
from ledger.impact.export import write_report
from ledger.impact.replay import Replay, count_open, open_cases, replay, same_rules
from ledger.impact.report import CodeCounts, ImpactReport

__all__ = [
    "CaseChange",
    "CodeCounts",
    "ImpactReport",
    "Replay",
    "compare",
    "count_open",
    "open_cases",
    "replay",
    "same_rules",
    "write_report",
]
