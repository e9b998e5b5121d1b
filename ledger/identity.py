"""Identity kept to the minimum: a keyed hash of the resident ID and its last four
characters (duplicate detection), and names shown masked (张*梅)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path


def id_hash(secret: str, id_number: str) -> str:
    """HMAC-SHA256 of the ID number under the service's secret (hex)."""
    return hmac.new(secret.encode(), id_number.upper().encode(), hashlib.sha256).hexdigest()


def mask_name(name: str | None) -> str | None:
    """张小梅 → 张*梅, 王芳 → 王*, 欧阳娜娜 → 欧**娜; None stays None."""
    if not name:
        return None
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def load_or_create_secret(path: Path) -> str:
    """The identity secret kept in `path`; a new random one is written on first use."""
    if path.exists():
        value = path.read_text(encoding="ascii").strip()
        if len(value) >= 32:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value + "\n", encoding="ascii")
    path.chmod(0o600)
    return value
