"""The tests' own PostgreSQL harness cleans up after runs that were killed."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.postgres import OWNER, PREFIX, sweep_orphans


def _folder(pid: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    (folder / OWNER).write_text(str(pid))
    return folder


def test_a_cluster_whose_test_run_died_is_removed_and_a_live_ones_is_kept() -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan, live = _folder(int(dead.stdout)), _folder(os.getpid())
    try:
        sweep_orphans(Path("/nonexistent/bin"))
        assert not orphan.exists()
        assert live.exists()
    finally:
        for folder in (orphan, live):
            if folder.exists():
                (folder / OWNER).unlink()
                folder.rmdir()
