"""A real server serves the same policy with and without the policy cache (engine/cache.py):
the first start writes the cache, the second reads it, and a third start with
POLICY_CACHE_DIR= (empty: no cache) loads the files; all three answer alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import left_behind_woman, start_server, stop_server
from tests.conftest import ADMIN, REGIONS

AS_OF = "2025-06-01"


def _served(tmp_path: Path, name: str, cache: str) -> tuple[dict[str, Any], str]:
    """What one server start serves (policy version and files, one answer) and its log."""
    server = start_server(tmp_path / f"{name}.log", str(REGIONS), env={"POLICY_CACHE_DIR": cache})
    try:
        with httpx.Client(base_url=server.base_url, timeout=30, headers=ADMIN) as http:
            health = http.get("/healthz").json()
            policies = http.get("/v1/policies").json()
            answer = http.post(
                "/v1/eligibility", json={"profile": left_behind_woman(), "as_of": AS_OF}
            )
            assert answer.status_code == 200, answer.text
            served = {
                "version": health["policy_version"],
                "header": answer.headers["guanai-policy-version"],
                "policies": policies,
                "answer": answer.json(),
            }
    finally:
        stop_server(server)
    return served, server.log()


def test_the_served_policy_is_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, first_log = _served(tmp_path, "cold", str(cache))
    assert "loaded (cached)" not in first_log and list(cache.glob("policy-*.cache"))
    second, second_log = _served(tmp_path, "warm", str(cache))
    assert "loaded (cached)" in second_log
    without, without_log = _served(tmp_path, "none", "")
    assert "loaded (cached)" not in without_log
    assert first["version"] == first["header"] == first["policies"]["policy_version"]
    assert second == first
    assert without == first
