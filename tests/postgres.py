"""A PostgreSQL server for the tests, started by the tests themselves.

`make test` must pass on a machine where PostgreSQL is installed but not running, and must
never touch a database it did not create. So the suite starts a throwaway cluster of its own
in a temporary folder, on a free port, once per run, and every test database is created in it
and dropped afterwards. `initdb` refuses to run as root (these machines run as root), so the
cluster runs as the `postgres` user.

- `GUANAI_TEST_POSTGRES_URL=postgresql://user@host:port/db` uses that server instead (each
  test still creates and drops a database of its own there).
- Without PostgreSQL installed the tests that need it are skipped, with the reason, unless
  `GUANAI_REQUIRE_POSTGRES=1` (set by `.ci/run`), which makes the skip a failure.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REQUIRE = "GUANAI_REQUIRE_POSTGRES"
EXTERNAL = "GUANAI_TEST_POSTGRES_URL"


def _bin_dir() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian layout), if any."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _as_postgres(*command: str) -> list[str]:
    """Run as the postgres user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


PREFIX = "guanai-pg-"
OWNER = "owner.pid"  # the pid of the test run that started the cluster


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_orphans(bin_dir: Path) -> None:
    """Stop and remove the clusters of earlier runs that were killed before their atexit."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner = folder / OWNER
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue  # not ours to judge (being created, or from an older layout)
        if not _alive(pid):
            orphan = Cluster.__new__(Cluster)
            orphan.bin_dir, orphan.folder, orphan.data = bin_dir, folder, folder / "data"
            orphan.stop()


class Cluster:
    """A throwaway cluster: initdb into a temporary folder, start, stop and remove."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        self.data = self.folder / "data"
        self.port = _free_port()
        (self.folder / OWNER).write_text(str(os.getpid()))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def url(self) -> str:
        """The superuser URL of the maintenance database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """initdb and start; raises with the server's log when it does not come up."""
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
        subprocess.run(
            _as_postgres(
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ),
            **quiet,  # type: ignore[call-overload]
        )
        self.resume()

    def resume(self) -> None:
        """Start the initialised server (again)."""
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.folder / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ),
            **quiet,  # type: ignore[call-overload]
        )

    def halt(self) -> None:
        """Stop the server now, keeping its data (`resume` starts it again)."""
        subprocess.run(
            _as_postgres(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=True,
        )

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        with contextlib.suppress(Exception):
            subprocess.run(
                _as_postgres(
                    str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"
                ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


_server: str | None = None
_why_not: str | None = None


def server_url() -> str:
    """The admin URL of the tests' PostgreSQL server, started on first use; else skip/fail."""
    global _server, _why_not
    if _server is None and _why_not is None:
        if os.environ.get(EXTERNAL):
            _server = os.environ[EXTERNAL]
        elif (bin_dir := _bin_dir()) is None:
            _why_not = "PostgreSQL 未安装，跳过需要它的测试 (PostgreSQL is not installed)"
        else:
            sweep_orphans(bin_dir)
            cluster = Cluster(bin_dir)
            try:
                cluster.start()
            except subprocess.CalledProcessError as exc:
                log = cluster.folder / "log"
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                cluster.stop()
                raise RuntimeError(f"could not start PostgreSQL: {exc.stderr!r} {tail}") from exc
            atexit.register(cluster.stop)
            _server = cluster.url
    if _server is None:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{_why_not}; {REQUIRE}=1 makes this a failure")
        pytest.skip(_why_not or "PostgreSQL unavailable")
    return _server


def _wait_ready(url: str, seconds: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the tests' server; dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin_url = server_url()
    _wait_ready(admin_url)
    name = f"guanai_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
