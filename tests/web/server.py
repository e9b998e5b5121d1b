"""A real `uvicorn api.main:app` for the browser tests: its own SQLite ledger (or a fresh
PostgreSQL database), a free port, and tokens for each role made through POST /v1/tokens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ADMIN, ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[2]
REGION = "430121"


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class WebServer:
    """The running server, its ledger's URL and a token per role."""

    process: subprocess.Popen[bytes]
    base_url: str
    database_url: str
    log_file: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, method: str, path: str, who: str = "admin", **kwargs: Any) -> httpx.Response:
        """A JSON call as one of the roles."""
        token = ADMIN_TOKEN if who == "admin" else self.tokens[who]
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)

    def log(self) -> str:
        """What the server printed."""
        return self.log_file.read_text(encoding="utf-8", errors="replace")


ROLES = {
    "caseworker": {"name": "李干事", "role": "caseworker", "region": REGION},
    "police": {"name": "派出所", "role": "department", "region": REGION, "department": "POLICE"},
    "policy": {"name": "政策科", "role": "policy", "region": REGION},
}


def start(folder: Path, database_url: str) -> WebServer:
    """Start the server and make the role tokens; fails with the server's log."""
    port = free_port()
    log_file = folder / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_FILE": str(folder / "identity.key"),
        "GUANAI_ADMIN_TOKEN": ADMIN_TOKEN,
        "POLICY_PATHS": "",
        "PYTHONUNBUFFERED": "1",
    }
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = WebServer(process, f"http://127.0.0.1:{port}", database_url, log_file)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            stop(server)
            raise RuntimeError(f"the server did not start:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    for who, body in ROLES.items():
        made = httpx.post(f"{server.base_url}/v1/tokens", json=body, headers=ADMIN, timeout=30)
        made.raise_for_status()
        server.tokens[who] = made.json()["token"]
    return server


def stop(server: WebServer) -> None:
    """Terminate the server and wait for it."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
