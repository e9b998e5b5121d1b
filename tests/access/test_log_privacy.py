"""No name, ID number, ID fragment, village or profile value ever reaches the server's log —
whatever fails (issue 9, D3). A real server on each database; sentinels planted in every
request; every 409, 412, 422 and 500 path the test can reach is forced; the whole log is
searched."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from ledger.identity import id_hash
from tests.api.conftest import Server, start_server, stop_server
from tests.conftest import ADMIN, REGIONS
from tests.ledger.conftest import SECRET, id_number, woman

NAME = "哨兵名字甲乙"
ID = id_number(54, born="19760523")  # …108X: the X keeps its last four from being hex
VILLAGE = "哨兵村丙丁"
FAULT_VILLAGE = "故障村"  # a trigger planted by the test makes inserting this village fail
INCOME = 431.77
PROFILE = woman(name=NAME, id_number=ID, household_income_pc_monthly=INCOME)
SENTINELS = [NAME, ID, ID[-4:], ID[6:14], id_hash(SECRET, ID), VILLAGE, str(INCOME)]

SQLITE_FAULT = f"""CREATE TRIGGER injected_fault BEFORE INSERT ON cases
WHEN NEW.village = '{FAULT_VILLAGE}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END"""
POSTGRES_FAULT = [
    """CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.village = '故障村' THEN
        RAISE EXCEPTION 'injected fault for % with %', NEW.name, NEW.id_last4;
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER injected_fault BEFORE INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION injected_fault()""",
]


def plant_fault(database_url: str) -> None:
    """A trigger that fails inserting a case of FAULT_VILLAGE: an unexpected database error
    whose message (on PostgreSQL) and parameters carry the sentinels."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(str(url.database)) as connection:
            connection.execute(SQLITE_FAULT)
        return
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        for statement in POSTGRES_FAULT:
            connection.execute(statement)


@pytest.fixture
def failing_server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    env = {"DATABASE_URL": database_url, "IDENTITY_SECRET": SECRET}
    server = start_server(tmp_path / "server.log", str(REGIONS), env=env)
    try:
        plant_fault(database_url)
        yield server
    finally:
        stop_server(server)


def test_no_failure_writes_identity_or_profile_values_to_the_log(
    failing_server: Server,
) -> None:
    seen: list[tuple[str, int]] = []
    case = {"profile": PROFILE, "village": VILLAGE, "as_of": "2025-06-01"}
    with httpx.Client(base_url=failing_server.base_url, timeout=60, headers=ADMIN) as http:

        def send(what: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
            response = http.request(method, url, **kwargs)
            seen.append((what, response.status_code))
            return response

        created = send("create", "POST", "/v1/cases", json=case, headers={"Idempotency-Key": "k1"})
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        send("duplicate ID", "POST", "/v1/cases", json=case)
        other = {**case, "profile": {**PROFILE, "age_years": 41}}
        send("key reused", "POST", "/v1/cases", json=other, headers={"Idempotency-Key": "k1"})
        put = {"profile": {**PROFILE, "age_years": 43}}
        send("stale If-Match", "PUT", f"/v1/cases/{case_id}/profile", json=put,
             headers={"If-Match": "7"})  # fmt: skip
        send("no If-Match", "PUT", f"/v1/cases/{case_id}/profile", json=put)
        bad = {**case, "profile": {**PROFILE, "age_years": NAME}}
        send("bad fact", "POST", "/v1/cases", json=bad)
        send("unknown fact", "POST", "/v1/cases", json={**case, "profile": {**PROFILE, VILLAGE: 1}})
        send("NUL in name", "POST", "/v1/cases",
             json={**case, "profile": {**PROFILE, "name": NAME + "\u0000"}})  # fmt: skip
        send("NUL in village", "POST", "/v1/cases", json={**case, "village": VILLAGE + "\u0000"})
        send("malformed", "POST", "/v1/cases",
             content=f'{{"profile": {{"name": "{NAME}", "id_number": "{ID}"',
             headers={"content-type": "application/json"})  # fmt: skip
        faulty = {**PROFILE, "id_number": id_number(109, "19760523")}
        fault = send(
            "database fault", "POST", "/v1/cases",
            json={**case, "village": FAULT_VILLAGE, "profile": faulty},
        )  # fmt: skip
        assert fault.status_code == 500, fault.text
        assert fault.json()["detail"]["request_id"] == fault.headers["x-request-id"]
        send("closed", "POST", f"/v1/cases/{case_id}/close", json={"note": "迁出本县"})
        send("closed update", "PUT", f"/v1/cases/{case_id}/profile", json=put,
             headers={"If-Match": "1"})  # fmt: skip

        # racing creates of one woman (the 500 that once logged her name five times)
        racer = {**case, "profile": {**PROFILE, "id_number": id_number(110, "19760523")}}
        barrier = threading.Barrier(6)

        def race(_: int) -> int:
            barrier.wait()
            return httpx.post(f"{failing_server.base_url}/v1/cases", json=racer, headers=ADMIN,
                              timeout=60).status_code  # fmt: skip

        with ThreadPoolExecutor(max_workers=6) as pool:
            seen += [("race", code) for code in pool.map(race, range(6))]

    statuses = {code for _, code in seen}
    assert {409, 412, 422, 428, 500} <= statuses, seen
    log = failing_server.log()
    assert f"request_id={fault.headers['x-request-id']}" in log  # the failure was logged...
    assert "POST /v1/cases" in log  # ...and so was every request line
    leaked = [s for s in SENTINELS if s in log]
    assert leaked == [], (leaked, seen)
    assert "Traceback" not in log
