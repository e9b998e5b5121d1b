"""A process that refuses the policy set the cluster put in service (its stored files do not
hash to its version) keeps serving its own set, says why in the log, and is not ready: a
load balancer takes it out until the cluster is back on a set it serves."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlmodel import Session

from api.main import create_app
from api.settings import Settings
from ledger.broadcast import notify
from ledger.models import PolicyVersion, now
from ledger.policy_versions import CHANNEL, activate
from tests.api.conftest import AppClient
from tests.conftest import REGIONS
from tests.postgres import fresh_postgres_database

pytestmark = pytest.mark.postgres

FORGED = "sha256:" + "f" * 64


@pytest.fixture
def client() -> Iterator[AppClient]:
    with fresh_postgres_database() as url:
        settings = Settings(database_url=url, policy_paths=[REGIONS], identity_secret="s")
        with AppClient(create_app(settings)) as app_client:
            yield app_client


def until_status(client: AppClient, status: int) -> dict[str, object]:
    deadline = time.monotonic() + 10
    while True:
        answer = client.get("/readyz")
        if answer.status_code == status:
            body: dict[str, object] = answer.json()
            return body
        assert time.monotonic() < deadline, f"/readyz stayed {answer.status_code}"
        time.sleep(0.05)


def test_a_refused_announcement_makes_the_process_not_ready(client: AppClient) -> None:
    service = client.app.state.policies
    engine = client.app.state.ledger.engine
    serving = service.policy.version
    until_status(client, 200)
    with Session(engine) as session:
        stored = session.get(PolicyVersion, serving)
        assert stored is not None
        files = [dict(f) for f in stored.files]
        files[0]["text"] += "\n# changed after it was hashed\n"
        session.add(
            PolicyVersion(
                version=FORGED,
                files=files,
                rules=stored.rules,
                parameter_files=stored.parameter_files,
                first_served_at=now(),
                activated_at=now(),
            )
        )
        session.commit()
    notify(engine, CHANNEL, FORGED)
    body = until_status(client, 503)
    assert body["error"] == "not_ready"
    assert FORGED in str(body["detail"])
    # still answering, with its own set
    answer = client.post("/v1/eligibility", json={"profile": {"age_years": 40}})
    assert answer.status_code == 200
    assert answer.headers["Guanai-Policy-Version"] == serving
    activate(engine, service.policy)  # the cluster is back on the set served here
    until_status(client, 200)
