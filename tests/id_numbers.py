"""Resident ID numbers for the tests (GB 11643): 6 digits of area, 8 of birth date, a 3-digit
sequence code whose last digit — the 17th of the number — is odd for a man and even for a
woman, and the check digit.

The service refuses a stated sex that the 17th digit contradicts, so a woman's fixture is
made with `womans` (an even 17th digit) and a man's, where a test means one, with `mans`.
"""

from __future__ import annotations

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SERIALS = 500  # distinct sequence codes per area and birth date, for each sex


def with_check(first17: str) -> str:
    """The first 17 digits and their check digit."""
    return (
        first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]
    )


def womans(area: str, born: str, serial: int) -> str:
    """A woman's ID number: sequence code 2 × serial (mod 1000), even; `born` is YYYYMMDD."""
    return with_check(f"{area}{born}{serial % SERIALS * 2:03d}")


def mans(area: str, born: str, serial: int) -> str:
    """A man's ID number: sequence code 2 × serial + 1 (mod 1000), odd."""
    return with_check(f"{area}{born}{serial % SERIALS * 2 + 1:03d}")
