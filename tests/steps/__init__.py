"""The step vocabulary of features/: zh-CN sentences that fill a profile, evaluate it once
and read the result (docs/contract.md §3).

    given.py   假如/并且 — who she is (facts by their Chinese label), regional parameter files
    when.py    当 — build the profile and evaluate it on a date (validation runs here)
    then.py    那么/并且 — statuses, classifications, referrals, questions, reviews, errors
    case.py    the state one scenario carries, and the cached policies it is evaluated against
    lookup.py  Chinese labels in feature text → fact, code, classification and department names
"""
