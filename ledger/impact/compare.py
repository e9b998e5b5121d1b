"""One case under two sets: what changed between its two results (no identity in it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine import EvaluationResult


@dataclass(frozen=True)
class CaseChange:
    """How one case's result differs under the draft: codes, needs_info, referrals."""

    case: str  # the case number (never identity)
    region: str | None
    village: str
    gained: tuple[str, ...] = ()  # codes it holds under the draft only (status ≠ needs_info)
    lost: tuple[str, ...] = ()
    to_needs_info: tuple[str, ...] = ()  # codes that become needs_info
    from_needs_info: tuple[str, ...] = ()  # codes that stop being needs_info
    status: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    classifications: dict[str, tuple[bool | None, bool | None]] = field(default_factory=dict)
    opened: tuple[str, ...] = ()  # departments a referral would open to
    closed: tuple[str, ...] = ()  # referrals that would become no_longer_indicated

    @property
    def changed(self) -> bool:
        """Anything at all differs."""
        return bool(self.status or self.classifications or self.opened or self.closed)


OUTSIDE = "@方案外"  # a code or referral of outside_programme (docs/contract.md §3a)


def _held(status: str | None) -> bool:
    return status is not None and status != "needs_info"


def compare(
    case: str, region: str | None, village: str, before: EvaluationResult, after: EvaluationResult
) -> CaseChange:
    """The difference between `before` (current set) and `after` (draft) for one case."""
    sb: dict[str, str] = {r.code: r.status for r in before.results}
    sa: dict[str, str] = {r.code: r.status for r in after.results}
    # the national laws outside the programme (§3a), for a woman not known to be left-behind
    sb.update({r.code + OUTSIDE: r.status for r in before.outside_programme})
    sa.update({r.code + OUTSIDE: r.status for r in after.outside_programme})
    codes = [*sb, *(c for c in sa if c not in sb)]
    status = {c: (sb.get(c), sa.get(c)) for c in codes if sb.get(c) != sa.get(c)}
    db = [r.department + (OUTSIDE if r.outside_programme else "") for r in before.referrals]
    da = [r.department + (OUTSIDE if r.outside_programme else "") for r in after.referrals]
    cb, ca = before.classifications, after.classifications
    return CaseChange(
        case=case,
        region=region,
        village=village,
        gained=tuple(c for c, (b, a) in status.items() if _held(a) and not _held(b)),
        lost=tuple(c for c, (b, a) in status.items() if _held(b) and not _held(a)),
        to_needs_info=tuple(
            c for c, (b, a) in status.items() if a == "needs_info" and b != "needs_info"
        ),
        from_needs_info=tuple(
            c for c, (b, a) in status.items() if b == "needs_info" and a != "needs_info"
        ),
        status=status,
        classifications={
            n: (cb.get(n), ca.get(n)) for n in dict.fromkeys([*cb, *ca]) if cb.get(n) != ca.get(n)
        },
        opened=tuple(d for d in da if d not in db),
        closed=tuple(d for d in db if d not in da),
    )
