"""The ledger of 民发〔2025〕7号 三（一）: cases, immutable assessments, referrals and events.

models.py     SQLModel tables
db.py         engine, sessions, migrations applied on start
identity.py   keyed hash of the resident ID, masking of names
cases.py      create, update, reassess a case (and the assessment receipt)
referrals.py  referral sync after an assessment, and department transitions
queries.py    lists, filters, the review queue, the summary, the CSV export
survey.py     village survey import (CSV / XLSX)
"""
