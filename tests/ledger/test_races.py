"""Races over a real server with concurrent clients, on SQLite and PostgreSQL, 20 trials each:
exactly one of racing changes wins, a reassessment never lands on a replaced profile, and a
racing duplicate is a replay or a 409 — never a 500 (issue 9: D1, D2, D8)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import Server, start_server, stop_server
from tests.conftest import ADMIN, REGIONS
from tests.ledger.conftest import SECRET, id_number, woman
from tests.postgres import fresh_postgres_database

TRIALS = 20
BASE = woman(age_years=40, household_income_pc_monthly=500)
VIOLENCE = {
    **BASE,
    "rights_infringed": True,
    "infringement_types": ["domestic_violence"],
    "domestic_violence_ongoing": True,
}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def race_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One real server per database for the module (each trial makes its own case)."""
    folder = tmp_path_factory.mktemp("races")
    with fresh_postgres_database() if request.param == "postgresql" else _sqlite(folder) as url:
        env = {"DATABASE_URL": url, "IDENTITY_SECRET": SECRET}
        server = start_server(folder / "server.log", str(REGIONS), env=env)
        yield server
        stop_server(server)
        assert " 500 " not in server.log(), server.log()[-3000:]


@contextmanager
def _sqlite(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder}/ledger.db"


def req(method: str, url: str, **kwargs: Any) -> Callable[[httpx.Client], httpx.Response]:
    """One request to send later, on whichever client runs it."""
    return lambda client: client.request(method, url, **kwargs)


class Racers:
    """Eight clients of one server, each on its own kept-alive connection."""

    def __init__(self, server: Server) -> None:
        self.clients = [
            httpx.Client(base_url=server.base_url, timeout=60, headers=ADMIN) for _ in range(8)
        ]
        for client in self.clients:  # connect first, so that the requests leave together
            client.get("/healthz")
        self.pool = ThreadPoolExecutor(max_workers=8)

    def together(self, calls: list[Callable[[httpx.Client], httpx.Response]]) -> list[Any]:
        """Send `calls` at the same instant, one per client; their responses."""
        barrier = threading.Barrier(len(calls))

        def run(i: int) -> httpx.Response:
            barrier.wait()
            return calls[i](self.clients[i])

        return list(self.pool.map(run, range(len(calls))))

    def close(self) -> None:
        self.pool.shutdown()
        for client in self.clients:
            client.close()


@pytest.fixture(scope="module")
def racers(race_server: Server) -> Iterator[Racers]:
    """Eight clients of the module's server."""
    racing = Racers(race_server)
    yield racing
    racing.close()


def new_case(http: httpx.Client, profile: dict[str, Any]) -> dict[str, Any]:
    made = http.post(
        "/v1/cases", json={"profile": profile, "village": "光明村", "as_of": "2025-06-01"}
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def test_a_reassessment_racing_an_update_never_records_the_replaced_profile(
    race_server: Server, racers: Racers
) -> None:
    """D1: one PUT (If-Match 1, now with ongoing violence) and three reassessments at once."""
    stale = []
    with httpx.Client(base_url=race_server.base_url, timeout=60, headers=ADMIN) as http:
        for trial in range(TRIALS):
            case_id = new_case(http, BASE)["id"]

            put = req(
                "PUT",
                f"/v1/cases/{case_id}/profile",
                json={"profile": VIOLENCE, "as_of": "2025-07-01"},
                headers={"If-Match": "1"},
            )
            again = req("POST", f"/v1/cases/{case_id}/reassess", json={"as_of": "2025-07-01"})
            answers = racers.together([put, again, again, again])
            assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
            detail = http.get(f"/v1/cases/{case_id}").json()
            versions = [a["profile_version"] for a in detail["assessments"]]
            police = [r for r in detail["referrals"] if r["department"] == "POLICE"]
            if (
                versions != sorted(versions)
                or versions[-1] != detail["version"] != 1
                or not police
                or police[0]["status"] != "open"
            ):
                stale.append((trial, versions, [r["status"] for r in police]))
    assert stale == []


def test_of_eight_racing_referral_moves_exactly_one_wins(
    race_server: Server, racers: Racers
) -> None:
    """D2: eight concurrent transitions, alternately accepted and withdrawn."""
    wrong: list[Any] = []
    with httpx.Client(base_url=race_server.base_url, timeout=60, headers=ADMIN) as http:
        for trial in range(TRIALS):
            made = new_case(http, BASE)
            referral = next(
                r["id"] for r in made["referrals"] if r["department"] == "CIVIL_AFFAIRS"
            )
            url = f"/v1/referrals/{referral}/transitions"
            # half the trials say which version they saw: the losers then get 412, not 409
            headers = {"If-Match": '"1"'} if trial % 2 else {}
            moves = [
                req("POST", url, json={"to": to}, headers=headers)
                for to in ["accepted", "withdrawn"] * 4
            ]
            codes = Counter(a.status_code for a in racers.together(moves))
            loser = 412 if headers else 409
            history = next(r for r in http.get(f"/v1/cases/{made['id']}").json()["referrals"]
                           if r["id"] == referral)["history"]  # fmt: skip
            if codes != {200: 1, loser: 7} or len(history) != 2 or history[-1]["from"] != "open":
                wrong.append((trial, dict(codes), [(h["from"], h["to"]) for h in history]))
    assert wrong == []


def test_of_eight_racing_closes_exactly_one_wins(race_server: Server, racers: Racers) -> None:
    """D2: eight concurrent closes of one case."""
    wrong: list[Any] = []
    with httpx.Client(base_url=race_server.base_url, timeout=60, headers=ADMIN) as http:
        for trial in range(TRIALS):
            case_id = new_case(http, BASE)["id"]
            close = [req("POST", f"/v1/cases/{case_id}/close", json={"note": "迁出本县"})] * 8
            codes = Counter(a.status_code for a in racers.together(close))
            audited = http.get(f"/v1/audit?case_id={case_id}&action=case_closed").json()
            if codes != {200: 1, 409: 7} or audited["total"] != 1:
                wrong.append((trial, dict(codes), audited["total"]))
    assert wrong == []


def test_racing_creates_with_one_key_or_one_id_are_replays_or_409s(
    race_server: Server, racers: Racers
) -> None:
    """D8: eight creates with the same Idempotency-Key; eight with the same ID number."""
    wrong: list[Any] = []
    for trial in range(TRIALS):
        body = {"profile": BASE, "village": "光明村", "as_of": "2025-06-01"}
        key = {"Idempotency-Key": f"race-{trial}-{race_server.base_url}"}
        same_key = [req("POST", "/v1/cases", json=body, headers=key)] * 8
        answers = racers.together(same_key)
        ids = {a.json().get("id") for a in answers}
        replays = sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers)
        if {a.status_code for a in answers} != {201} or len(ids) != 1 or replays != 7:
            wrong.append(("key", trial, [a.status_code for a in answers], replays))
        person = {**BASE, "id_number": id_number(100 + trial, born="19850505"), "name": "赵某"}
        same_id = [req("POST", "/v1/cases", json={**body, "profile": person})] * 8
        codes = Counter(a.status_code for a in racers.together(same_id))
        if codes != {201: 1, 409: 7}:
            wrong.append(("id", trial, dict(codes)))
    assert wrong == []
