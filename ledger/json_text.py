"""How the ledger writes a JSON column: one function, no dependencies, so a survey worker
process (ledger/pool_worker.py) can produce the very text the ledger stores without
importing the database stack."""

from __future__ import annotations

import json
from typing import Any


def json_text(value: Any) -> str:
    """A JSON column's value as the ledger stores it (the engines' `json_serializer`)."""
    # ensure_ascii=False: Chinese keys and values stay searchable on SQLite
    return json.dumps(value, ensure_ascii=False)
