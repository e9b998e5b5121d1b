"""Fixtures of the HTTP door: the app in process, and `uvicorn api.main:app` in a subprocess.

Both load the shipped policies plus a temporary POLICY_PATHS directory holding one regional
parameter file (湖南 430000: 低保标准 600 from 2025-01-01).
"""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI

from api.main import create_app
from api.settings import Settings
from tests.conftest import ADMIN
from tests.id_numbers import womans

ROOT = Path(__file__).resolve().parents[2]

HUNAN = """\
# 测试用虚构数值 — fictitious test value
region: "430000"
name: 湖南省（测试）
parameters:
  dibao_standard_monthly:
    - {from: 2025-01-01, value: 600, source: 测试}
"""

# A name and an ID number that must never appear in a response or in the server's log.
SENTINEL_NAME = "哨兵测试姓名Zq7"


def id_number(birth: str, area: str = "430121", serial: int = 368) -> str:
    """A woman's resident ID number (GB 11643; sequence code 2 × serial, even) with a correct
    check digit: `birth` is YYYYMMDD."""
    return womans(area, birth, serial)


SENTINEL_ID = id_number("19830917")


def left_behind_woman(**facts: Any) -> dict[str, Any]:
    """A rural left-behind woman in 长沙县 (430121) with income 500, plus `facts`."""
    profile: dict[str, Any] = {
        "sex": "female",
        "age_years": 42,
        "marital_status": "married",
        "husband_away": True,
        "husband_away_reason": "migrant_work",
        "husband_away_continuous_months": 12,
        "residence_area": "village",
        "region_code": "430121",
        "household_income_pc_monthly": 500,
        "household_assets_within_limit": True,
    }
    profile.update(facts)
    return {k: v for k, v in profile.items() if v is not None}


def result_of(body: dict[str, Any], code: str) -> dict[str, Any] | None:
    """The result for `code` in an evaluation, if listed."""
    return next((r for r in body["results"] if r["code"] == code), None)


class AppClient:
    """A synchronous client of an app in process: runs its lifespan, calls it through httpx."""

    def __init__(self, app: FastAPI, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = ADMIN if headers is None else headers  # admin unless told otherwise
        self._stack = ExitStack()
        self._portal: BlockingPortal | None = None
        self._client: httpx.AsyncClient | None = None

    def __enter__(self) -> AppClient:
        try:
            portal = self._stack.enter_context(start_blocking_portal())
            self._stack.enter_context(
                portal.wrap_async_context_manager(self.app.router.lifespan_context(self.app))
            )
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app),
                base_url="http://testserver",
                headers=self.headers,
            )
            self._stack.enter_context(portal.wrap_async_context_manager(client))
        except BaseException:
            self._stack.close()
            raise
        self._portal, self._client = portal, client
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, answered by the app."""
        assert self._portal is not None and self._client is not None, "use `with AppClient(…)`"
        call = functools.partial(self._client.request, method, url, **kwargs)
        return self._portal.call(call)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET `url`."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST `url`."""
        return self.request("POST", url, **kwargs)


@pytest.fixture(scope="session")
def regional_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A POLICY_PATHS directory with 湖南's 低保标准."""
    directory = tmp_path_factory.mktemp("policy-paths")
    (directory / "hunan-430000.yaml").write_text(HUNAN, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def app(regional_dir: Path) -> FastAPI:
    """The app with the regional directory on POLICY_PATHS."""
    return create_app(Settings(policy_paths=[regional_dir]))


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[AppClient]:
    """The app in process, lifespan started."""
    with AppClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def national_client() -> Iterator[AppClient]:
    """The app with the shipped policies only (no POLICY_PATHS)."""
    with AppClient(create_app(Settings(policy_paths=[]))) as c:
        yield c


# -- a real server --------------------------------------------------------------------------
@dataclass
class Server:
    """`uvicorn api.main:app` in a subprocess, its output captured in `log_file`."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_file: Path

    def log(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_file.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    log_file: Path,
    policy_paths: str,
    *,
    wait: bool = True,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Server:
    """Start uvicorn on a free loopback port; with `wait`, return once /healthz answers."""
    port = free_port()
    env = {**os.environ, "POLICY_PATHS": policy_paths, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app",
             "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}", log_file)
    if not wait:
        return server
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop_server(server)
    pytest.fail(f"the server did not answer /healthz within 60 s:\n{server.log()}")


def stop_server(server: Server) -> None:
    """Terminate the server and wait for it."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def server(regional_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server with the regional directory on POLICY_PATHS."""
    log_file = tmp_path_factory.mktemp("server") / "server.log"
    running = start_server(log_file, str(regional_dir))
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def http(server: Server) -> Iterator[httpx.Client]:
    """An HTTP client of the real server."""
    with httpx.Client(base_url=server.base_url, timeout=30, headers=ADMIN) as c:
        yield c
