"""Start-up imports only what it needs (docs/performance.md, 启动): serving a ledger already at
the newest migration loads neither Alembic nor openpyxl, the policy comes from the cache on
a second start, and what a survey-import worker process imports holds no database stack.

Each check runs in a fresh interpreter, so what this test session imported does not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Heavy packages serving never needs at start (each is imported where it is used).
NOT_AT_START = ("alembic", "mako", "pygments", "openpyxl", "segno", "typer", "rich")

_SERVE = """
import asyncio, json, sys
from api.main import create_app
from api.settings import Settings

settings = Settings(
    database_url=sys.argv[1], secret_file=sys.argv[2], policy_cache_dir=sys.argv[3],
    guanai_admin_token="gat_startup-test-token-0123456789",
)
app = create_app(settings)

async def start() -> str:
    async with app.router.lifespan_context(app):
        return app.state.policies.policy.version

version = asyncio.run(start())
print(json.dumps({"version": version, "loaded": sorted(m for m in sys.modules)}))
"""


def _run(code: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _top_level(loaded: object) -> set[str]:
    assert isinstance(loaded, list)
    return {name.split(".")[0] for name in loaded}


def test_serving_a_migrated_ledger_loads_neither_alembic_nor_openpyxl(tmp_path: Path) -> None:
    args = (f"sqlite:///{tmp_path}/ledger.db", str(tmp_path / "key"), str(tmp_path / "cache"))
    first = _run(_SERVE, *args)  # a new ledger: migrated, so Alembic is loaded
    assert "alembic" in _top_level(first["loaded"])
    again = _run(_SERVE, *args)
    assert again["version"] == first["version"]
    assert not _top_level(again["loaded"]) & set(NOT_AT_START)
    assert list((tmp_path / "cache").glob("policy-*.cache"))


def test_a_survey_worker_process_imports_no_database_stack() -> None:
    # the pool pickles these functions by name: this is what a worker imports for them, and
    # a worker started by `guanai ledger import` also runs the `guanai` script (cli.main)
    code = (
        "import json, sys; import cli.main, ledger.pool_worker; "
        "print(json.dumps({'loaded': sorted(sys.modules)}))"
    )
    loaded = _top_level(_run(code)["loaded"])
    assert "engine" in loaded
    heavy = {"sqlalchemy", "sqlmodel", "alembic", "openpyxl", "fastapi", "rich", "api"}
    assert not loaded & heavy
