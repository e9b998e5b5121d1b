"""What routes depend on: the settings, the policy in service and its evaluator."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from api.errors import PolicyReloadError, message
from api.settings import Settings
from api.strict import AUTOMATIC
from engine import Evaluator, Policy, PolicyError
from engine.cache import load_policy_cached
from ledger import policy_versions
from ledger.broadcast import Listener, notify
from ledger.db import Ledger
from ledger.policy_versions import CHANNEL as POLICY_CHANNEL

logger = logging.getLogger("uvicorn.error")
RELOADING = "reloading"  # NOTIFY payload: a process has started reloading its files


@dataclass
class _Slot:
    """One evaluator and the number of requests using it."""

    evaluator: Evaluator
    leases: int = 0
    retired: bool = False


@dataclass(frozen=True)
class Reloaded:
    """The outcome of a successful reload."""

    policy_version: str
    previous_version: str
    changed: bool


class PolicyService:
    """The evaluator in service: loaded once, swapped whole on reload, closed when drained.

    A request leases the evaluator for its whole evaluation, so a reload never closes an
    evaluator a request is still using; the last request out closes it.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._slot = _Slot(self._load())
        self._ledger: Ledger | None = None
        self._listener: Listener | None = None
        self.refused: str | None = None  # a version announced whose stored files did not match
        self.stored = policy_versions.Evaluators()  # older sets, to explain old assessments
        # another process announced a reload: our own files are loaded meanwhile, so that when
        # its version arrives it is usually ready here (else it is loaded from the database)
        self._reloading = False
        self._preparing: threading.Thread | None = None
        self._prepared: Evaluator | None = None

    def attach(self, ledger: Ledger) -> None:
        """Store the set in service, make it the cluster's current one, and follow the others:
        a set another process puts in service is loaded here from the database."""
        self._ledger = ledger
        policy_versions.activate(ledger.engine, self.policy)
        self._listener = Listener(ledger.engine, self._heard)
        self._listener.start()
        self._listener.ready.wait(timeout=10)

    def _heard(self, channel: str, payload: str | None) -> None:
        if self._ledger is None:
            return
        if payload == RELOADING:
            if not self._reloading and self._preparing is None:
                self._preparing = threading.Thread(target=self._prepare, daemon=True)
                self._preparing.start()
            return
        version = payload or policy_versions.current_version(self._ledger.engine)
        if version is None or version == self.policy.version:
            self._take_prepared()
            if version is not None:
                self.refused = None  # the cluster is back on the set served here
            return
        with self._reload_lock:
            if version == self.policy.version:
                return
            prepared = self._take_prepared()
            if prepared is not None and prepared.policy.version == version:
                self.refused = None
                self._retire(_Slot(prepared))
                logger.info("policy %s in service (announced; our files agree)", version)
                return
            if prepared is not None:
                prepared.close()
            try:
                with self._ledger.session() as session:
                    policy = policy_versions.load_version(session, version)
            except PolicyError as exc:  # refuse a set whose files do not hash to its version
                self.refused = version
                for issue in exc.issues:
                    logger.error("announced policy %s refused: %s", version, issue)
                return
            self.refused = None
            self._retire(_Slot(Evaluator(policy)))
            logger.info("policy %s in service (announced by another process)", version)

    def _prepare(self) -> None:
        try:
            self._prepared = self._load()
        except PolicyError:
            self._prepared = None

    def _take_prepared(self) -> Evaluator | None:
        """The set prepared on an announced reload (waiting for it), or None."""
        thread, self._preparing = self._preparing, None
        if thread is None:
            return None
        thread.join(timeout=60)
        prepared, self._prepared = self._prepared, None
        return prepared

    def _load(self) -> Evaluator:
        """Load and compile the policies (PolicyError names every file:line problem)."""
        policy, cached = load_policy_cached(
            extra_dirs=self.settings.policy_paths, cache_dir=self.settings.policy_cache_dir
        )
        evaluator = Evaluator(policy)
        logger.info(
            "policy %s loaded%s: %d rules, %d parameter files",
            policy.version,
            " (cached)" if cached else "",
            len(policy.rules),
            len(policy.parameter_files),
        )
        return evaluator

    @property
    def policy(self) -> Policy:
        """The policy in service."""
        return self._slot.evaluator.policy

    @contextmanager
    def lease(self) -> Iterator[Evaluator]:
        """The evaluator in service, kept open until the caller is done with it."""
        with self._lock:
            slot = self._slot
            slot.leases += 1
        try:
            yield slot.evaluator
        finally:
            with self._lock:
                slot.leases -= 1
                close = slot.retired and slot.leases == 0
            if close:
                slot.evaluator.close()

    def reload(self) -> Reloaded:
        """Load the policy files again; on PolicyError keep serving the last good set."""
        with self._reload_lock:
            previous = self.policy.version
            if self._ledger is not None:  # the others start loading their files now
                self._reloading = True
                notify(self._ledger.engine, POLICY_CHANNEL, RELOADING)
            try:
                evaluator = self._load()
            except PolicyError as exc:
                for issue in exc.issues:
                    logger.error("policy reload refused: %s", issue)
                if self._ledger is not None:  # the others drop what they prepared
                    notify(self._ledger.engine, POLICY_CHANNEL, previous)
                raise PolicyReloadError(
                    {
                        **message(
                            "策略文件有误，未重新加载，继续使用原有版本",
                            "Policy files refused; still serving the previous version",
                        ),
                        "issues": [str(issue) for issue in exc.issues],
                        "policy_version": previous,
                    }
                ) from exc
            finally:
                self._reloading = False
            if evaluator.policy.version == previous:
                evaluator.close()
                if self._ledger is not None:  # the others drop what they prepared
                    notify(self._ledger.engine, POLICY_CHANNEL, previous)
                return Reloaded(previous, previous, changed=False)
            self._retire(_Slot(evaluator))
            self.refused = None
            if self._ledger is not None:
                policy_versions.activate(self._ledger.engine, evaluator.policy)
            return Reloaded(evaluator.policy.version, previous, changed=True)

    def _retire(self, new: _Slot | None) -> None:
        with self._lock:
            old = self._slot
            if new is not None:
                self._slot = new
            old.retired = True
            close = old.leases == 0
        if close:
            old.evaluator.close()

    def close(self) -> None:
        """Stop listening and close the evaluator in service (at shutdown)."""
        if self._listener is not None:
            self._listener.stop()
        self._retire(None)


# The small dependencies are `async def` on purpose: each plain `def` dependency costs a hop
# to the threadpool and back (≈0.1–0.3 ms of CPU a request, measured in docs/performance.md);
# these only read attributes and never block.
async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_policy_service(request: Request) -> PolicyService:
    """The policy service the lifespan started."""
    service: PolicyService = request.app.state.policies
    return service


PolicyServiceDep = Annotated[PolicyService, Depends(get_policy_service)]


async def get_policy(service: PolicyServiceDep) -> Policy:
    """The policy in service."""
    return service.policy


async def get_evaluator(request: Request, service: PolicyServiceDep) -> AsyncIterator[Evaluator]:
    """The evaluator in service, leased for the request (no thread needed to take a lease)."""
    with service.lease() as evaluator:
        request.state.policy_version = evaluator.policy.version  # the header names this one
        yield evaluator


async def get_ledger(request: Request) -> Ledger:
    """The ledger the lifespan opened."""
    ledger: Ledger = request.app.state.ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


def get_session(ledger: LedgerDep) -> Iterator[Session]:
    """A database session for one request (rolled back if the request fails)."""
    with ledger.session() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


AUTOMATIC[get_session] = (503,)  # a route with a session can find the database down

SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
EvaluatorDep = Annotated[Evaluator, Depends(get_evaluator)]
