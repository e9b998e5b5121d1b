"""Cases: recording (creating.py), changing (updating.py) and closing (closing.py) them.

Every change leaves an immutable assessment receipt, updates the referrals and appends
events; nothing is deleted. What the three share (locking a case, recording an assessment)
is in assessing.py.
"""

from ledger.cases.assessing import (
    Outcome,
    add_months,
    find_case,
    lock_case,
    stored_profile,
)
from ledger.cases.closing import close_case, reopen_case
from ledger.cases.creating import create_case, request_fingerprint
from ledger.cases.updating import reassess, update_profile

__all__ = [
    "Outcome",
    "add_months",
    "close_case",
    "create_case",
    "find_case",
    "lock_case",
    "reassess",
    "reopen_case",
    "request_fingerprint",
    "stored_profile",
    "update_profile",
]
