"""The policy names that Python code relies on, declared once.

Rule files may be renamed and rewritten by policy staff; these few names are read by the
engine and the ledger themselves (the ledger flags a hardship case, opens the six-monthly
review from LEDGER_ENTRY, and the evaluator treats the left-behind classification apart).
A policy set that lacks any of them is refused at load, with the catalogue file and line,
so a rename can never silently store `hardship=False`.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """Which catalogue list a required name belongs to."""

    CLASSIFICATION = "classification"
    CODE = "code"


# the woman is in the programme: 民发〔2025〕7号 一、对象范围
LEFT_BEHIND = "is_rural_left_behind_woman"
# 困难群体: the ledger's hardship flag and filter
HARDSHIP_GROUP = "is_hardship_group"
# 三（一）摸底建档: the ledger entry and its review interval
LEDGER_ENTRY = "LEDGER_ENTRY"

REQUIRED: dict[str, Kind] = {
    LEFT_BEHIND: Kind.CLASSIFICATION,
    HARDSHIP_GROUP: Kind.CLASSIFICATION,
    LEDGER_ENTRY: Kind.CODE,
}
