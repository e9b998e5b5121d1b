"""Every policy set the service serves, stored whole by its hash; loaded again by version.

`record(engine, policy)` stores a set the first time it is served (idempotent across
processes); `load_version(session, version)` gives the same set back, its hash checked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Engine, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine import Evaluator, Policy
from engine.policy import PolicySource
from engine.sources import load_sources
from ledger.errors import AssessmentNotFound, PolicyVersionNotFound
from ledger.models import Assessment, PolicyVersion, ProfileVersion, now


def normalise(version: str) -> str:
    """`sha256:…` or the bare hex digest (or a unique prefix of at least 12 hex digits)."""
    version = version.strip()
    return version if version.startswith("sha256:") else f"sha256:{version}"


CHANNEL = "guanai_policy"


def activate(engine: Engine, policy: Policy) -> None:
    """Store the set (first time only), mark it the current one and tell every process.

    On PostgreSQL the NOTIFY is sent in the same transaction as the mark, so a listener that
    hears it can read the set at once.
    """
    record(engine, policy)
    with Session(engine) as session:
        session.execute(
            update(PolicyVersion)
            .where(col(PolicyVersion.version) == policy.version)
            .values(activated_at=now())
        )
        if engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_notify(:c, :v)"), {"c": CHANNEL, "v": policy.version})
        session.commit()


def current_version(engine: Engine) -> str | None:
    """The version most recently put in service by any process."""
    with Session(engine) as session:
        query = select(PolicyVersion.version).order_by(col(PolicyVersion.activated_at).desc())
        return session.exec(query.limit(1)).first()


def record(engine: Engine, policy: Policy) -> bool:
    """Store the set if it is not stored yet; True when this call stored it."""
    with Session(engine) as session:
        if session.get(PolicyVersion, policy.version) is not None:
            return False
        stamp = now()
        session.add(
            PolicyVersion(
                version=policy.version,
                files=[
                    {"folder": s.folder, "path": s.path, "text": s.data.decode("utf-8")}
                    for s in policy.sources
                ],
                rules=len(policy.rules),
                parameter_files=len(policy.parameter_files),
                first_served_at=stamp,
                activated_at=stamp,
            )
        )
        try:
            session.commit()
        except IntegrityError:  # another process stored it first
            session.rollback()
            return False
    return True


def find_version(session: Session, version: str) -> PolicyVersion:
    """The stored set by full version or by a unique prefix, or PolicyVersionNotFound."""
    version = normalise(version)
    row = session.get(PolicyVersion, version)
    if row is not None:
        return row
    if len(version) >= len("sha256:") + 12:
        rows = session.exec(
            select(PolicyVersion).where(col(PolicyVersion.version).startswith(version)).limit(2)
        ).all()
        if len(rows) == 1:
            return rows[0]
    raise PolicyVersionNotFound()


def list_versions(session: Session) -> list[PolicyVersion]:
    """Every stored set, the first served first."""
    query = select(PolicyVersion).order_by(col(PolicyVersion.first_served_at))
    return list(session.exec(query).all())


def sources_of(row: PolicyVersion) -> list[PolicySource]:
    """The stored files as the loader reads them."""
    return [
        PolicySource(int(f["folder"]), str(f["path"]), str(f["text"]).encode("utf-8"))
        for f in row.files
    ]


def load_version(session: Session, version: str) -> Policy:
    """The stored set, loaded again; PolicyError if its files no longer hash to `version`."""
    row = find_version(session, version)
    return load_sources(sources_of(row), expect=row.version)


class Evaluators:
    """A few evaluators of stored versions, kept for explaining old assessments again."""

    def __init__(self, size: int = 3) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Evaluator] = OrderedDict()

    def get(self, session: Session, version: str) -> Evaluator:
        """The evaluator of `version`, loaded from the database on first use."""
        version = normalise(version)
        with self._lock:
            if version in self._cache:
                self._cache.move_to_end(version)
                return self._cache[version]
        evaluator = Evaluator(load_version(session, version))
        with self._lock:
            self._cache[version] = evaluator
            while len(self._cache) > self.size:
                _, old = self._cache.popitem(last=False)
                old.close()
        return evaluator


def explain_again(
    session: Session, evaluators: Evaluators, case_id: str, assessment_id: int
) -> tuple[Assessment, dict[str, object]]:
    """An old assessment evaluated again under the set that made it, on its own date.

    Returns the receipt and the fresh result (docs/contract.md §3); the two should be the same.
    """
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or assessment.case_id != case_id:
        raise AssessmentNotFound()
    version = session.exec(
        select(ProfileVersion).where(
            ProfileVersion.case_id == case_id,
            ProfileVersion.version == assessment.profile_version,
        )
    ).one()
    evaluator = evaluators.get(session, assessment.policy_version)
    result = evaluator.evaluate(version.profile, as_of=assessment.as_of)
    return assessment, result.model_dump(mode="json")
