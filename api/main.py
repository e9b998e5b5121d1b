"""The HTTP door: `uvicorn api.main:app` (docs/contract.md §5).

The lifespan loads and compiles the policies once; a policy file that is refused stops the
service from starting (docs/contract.md §4), with every `file:line: message` in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.deps import PolicyService, logger
from api.errors import ApiError, install_error_handlers
from api.openapi import install_openapi
from api.routes import (
    admin,
    bench_echo,
    case_status,
    cases,
    catalog,
    eligibility,
    health,
    impact,
    ledger,
    policies,
    policy_versions,
    referrals,
)
from api.settings import Settings, ledger_location
from api.version_header import PolicyVersionHeader
from api.web import install as install_web
from engine import PolicyError
from ledger.db import Ledger, startup_lock
from ledger.identity import load_or_create_secret
from ledger.token_cache import TokenCache
from ledger.tokens import Issued, ensure_first_admin, ensure_token

DESCRIPTION = """\
农村留守妇女困难群体精准关爱帮扶（民发〔2025〕7号）资格评估与转介服务。
Eligibility and referral for rural left-behind women in difficulty.

Every error is `{"error": kind, "detail": …}`, Chinese first. A 500 (`engine_error`) is a
fault of the rules engine, never caused by what a client sent. Unknown paths answer 404
(`not_found`) and known paths with another method 405 (`method_not_allowed`).
"""


def _reload_on_sighup(service: PolicyService) -> None:
    """`kill -HUP <pid>` reloads the policies (off the event loop), like the admin endpoint."""
    loop = asyncio.get_running_loop()

    def reload() -> None:
        try:
            outcome = service.reload()
        except ApiError:  # refused: the last good set keeps serving; reload() logged why
            return
        logger.info("policies reloaded on SIGHUP: %s", outcome.policy_version)

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, reload))


def _announce(issued: Issued | None, settings: Settings) -> None:
    """Print the first admin token once, on the console (never to the log)."""
    if issued is None:
        return
    base = f"http://{settings.host}:{settings.port}"
    print(
        "\n首次启动：已创建管理员令牌（只显示这一次，请妥善保存）"
        "\nFirst start: an admin token was created (shown once, keep it safe):\n\n"
        f"    {issued.token}\n\n"
        f"    curl -s {base}/v1/catalog -H 'Authorization: Bearer {issued.token}'\n\n"
        f"台账 (ledger): {ledger_location(settings.database_url)}\n"
        f"密钥 (identity key): {settings.secret_file.resolve()}\n",
        file=sys.stderr,
        flush=True,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app for these settings (default: from the environment)."""
    settings = settings if settings is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            service = PolicyService(settings)
        except PolicyError as exc:
            for issue in exc.issues:
                logger.error("policy refused: %s", issue)
            raise
        app.state.policies = service
        secret = settings.identity_secret or load_or_create_secret(settings.secret_file)
        ledger = Ledger.open(settings.database_url, secret)
        app.state.ledger = ledger
        logger.info(
            "ledger open (%s): %s",
            ledger.engine.dialect.name,
            ledger_location(settings.database_url),
        )
        with startup_lock(ledger.engine):  # several workers: one creates the first token
            if settings.guanai_admin_token:
                ensure_token(ledger, settings.guanai_admin_token, "admin (GUANAI_ADMIN_TOKEN)")
            issued = ensure_first_admin(ledger)
        _announce(issued, settings)
        app.state.tokens = TokenCache(ledger)
        service.attach(ledger)
        _reload_on_sighup(service)
        try:
            yield
        finally:
            service.close()
            app.state.tokens.close()
            ledger.engine.dispose()

    app = FastAPI(
        title="关爱帮扶 guanai",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by api/web/routes/docs.py from our own static files
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(PolicyVersionHeader, root=app)
    for module in (
        eligibility,
        cases,
        case_status,
        referrals,
        ledger,
        catalog,
        policies,
        impact,
        policy_versions,
        admin,
        health,
    ):
        app.include_router(module.router)
    if settings.guanai_bench_echo:
        app.include_router(bench_echo.router)
    install_web(app)
    return app


app = create_app()
