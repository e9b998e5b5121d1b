"""The response deadline of urgent referrals (the inbox's 已超时), and the small-count
suppression of the dashboard's cells."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledger.dashboard import suppress
from ledger.inbox import deadline, utc
from ledger.models import Referral, ReferralEvent

OPENED = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)


def referral(urgent: bool = True) -> Referral:
    return Referral(
        id="r1",
        case_id="c1",
        department="POLICE",
        region_code="430121",
        codes=["URGENT_DV_POLICE"],
        urgent=urgent,
        status="open",
        created_at=OPENED.replace(tzinfo=None),  # as SQLite gives it back
        updated_at=OPENED,
    )


def step(to: str, at: datetime, before: str | None = "open") -> ReferralEvent:
    return ReferralEvent(referral_id="r1", from_status=before, to_status=to, actor="x", at=at)


def test_an_unanswered_urgent_referral_is_overdue_once_its_hours_have_passed() -> None:
    opened = [step("open", OPENED, before=None)]
    due = deadline(referral(), opened, 24, OPENED + timedelta(hours=23, minutes=59))
    assert due is not None and due.due == OPENED + timedelta(hours=24) and not due.missed
    late = deadline(referral(), opened, 24, OPENED + timedelta(hours=24, seconds=1))
    assert late is not None and late.missed and late.answered is None


def test_an_answer_in_time_is_never_overdue_and_a_late_one_stays_marked() -> None:
    later = OPENED + timedelta(days=5)
    in_time = [step("open", OPENED, None), step("accepted", OPENED + timedelta(hours=3))]
    answered = deadline(referral(), in_time, 24, later)
    assert answered is not None and not answered.missed
    assert answered.answered == OPENED + timedelta(hours=3)
    too_late = [step("open", OPENED, None), step("accepted", OPENED + timedelta(hours=30))]
    missed = deadline(referral(), too_late, 24, later)
    assert missed is not None and missed.missed
    on_time_with_more_hours = deadline(referral(), too_late, 48, later)
    assert on_time_with_more_hours is not None and not on_time_with_more_hours.missed


def test_a_referral_that_is_not_urgent_has_no_deadline() -> None:
    assert deadline(referral(urgent=False), [], 24, OPENED + timedelta(days=30)) is None


def test_naive_stamps_are_read_as_utc() -> None:
    assert utc(datetime(2025, 6, 1, 2, 0)) == OPENED


def test_counts_under_the_threshold_are_suppressed_but_zero_and_larger_are_shown() -> None:
    assert [suppress(v, 5) for v in (0, 1, 4, 5, 60, None)] == [0, None, None, 5, 60, None]
