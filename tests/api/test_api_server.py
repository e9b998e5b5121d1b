"""`uvicorn api.main:app` in a subprocess: the same answers over a real socket, under
concurrency, with POLICY_PATHS read from the environment and nothing private in its log."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from engine import Policy
from tests.api.conftest import (
    SENTINEL_ID,
    SENTINEL_NAME,
    Server,
    id_number,
    left_behind_woman,
    result_of,
)
from tests.conftest import ADMIN
from tests.profiles import profiles

AS_OF = "2025-06-01"


def evaluate(http: httpx.Client, profile: dict[str, Any]) -> dict[str, Any]:
    response = http.post("/v1/eligibility", json={"profile": profile, "as_of": AS_OF})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_the_server_answers_health_catalog_and_policies(http: httpx.Client) -> None:
    health = http.get("/healthz").json()
    assert health["status"] == "ok"
    assert http.get("/v1/policies").json()["policy_version"] == health["policy_version"]
    assert http.get("/v1/catalog").json()["facts"]
    assert http.get("/openapi.json").json()["paths"]["/v1/eligibility"]["post"]


def test_policy_paths_from_the_environment_change_the_result(http: httpx.Client) -> None:
    body = evaluate(http, left_behind_woman())
    dibao = result_of(body, "REFER_DIBAO")
    assert dibao is not None and dibao["status"] == "refer_for_assessment"
    regions = [f["region"] for f in http.get("/v1/policies").json()["parameter_files"]]
    assert "430000" in regions


def test_errors_keep_their_shape_over_the_wire(http: httpx.Client) -> None:
    bad = http.post("/v1/eligibility", json={"profile": {"age_years": "12"}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "profile.age_years"
    malformed = http.post(
        "/v1/eligibility", content=b"{", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["error"] == "malformed_json"
    assert http.get("/nope").json()["error"] == "not_found"


def test_64_concurrent_requests_answer_as_sequential_ones(
    http: httpx.Client, server: Server, policy: Policy
) -> None:
    varied = profiles(16, seed=20250601, policy=policy)
    varied += [left_behind_woman(), left_behind_woman(region_code="620102"), {}]
    requests = [varied[i % len(varied)] for i in range(64)]
    sequential = [evaluate(http, p) for p in varied]

    start = threading.Barrier(64)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with httpx.Client(base_url=server.base_url, timeout=60, limits=limits, headers=ADMIN) as pool:

        def call(profile: dict[str, Any]) -> dict[str, Any]:
            start.wait(timeout=30)
            return evaluate(pool, profile)

        with ThreadPoolExecutor(max_workers=64) as executor:
            concurrent = list(executor.map(call, requests))

    for i, answer in enumerate(concurrent):
        assert answer == sequential[i % len(varied)], f"request {i} differs"
    assert len({json.dumps(a, sort_keys=True) for a in sequential}) > len(varied) // 2


def test_no_profile_content_reaches_the_log(http: httpx.Client, server: Server) -> None:
    logged_before = server.log().count("POST /v1/eligibility")
    identity = {"name": SENTINEL_NAME, "id_number": SENTINEL_ID}
    sent = [
        {"profile": left_behind_woman(**identity), "as_of": AS_OF},
        {"profile": left_behind_woman(**identity, age_years=None, birth_date="1983-09-17")},
        {"profile": {**identity, "age_years": "12", "region_code": SENTINEL_NAME}},
        {"profile": {**identity, SENTINEL_NAME: True}},
        {"profile": {**identity, "id_number": SENTINEL_ID[:17] + "0"}, SENTINEL_NAME: 1},
        {"profile": left_behind_woman(**identity, sex="male")},  # her ID number says female
    ]
    for body in sent:
        response = http.post("/v1/eligibility", json=body)
        assert response.status_code in (200, 422)
        assert SENTINEL_ID not in response.text
    raw = json.dumps({"profile": identity}, ensure_ascii=False).encode()
    assert http.post("/v1/eligibility", content=raw[:-1]).status_code == 400
    young = id_number("20000101")
    assert http.post("/v1/eligibility", json={"profile": {"id_number": young}}).status_code == 200

    # the requests were logged (so the log is being captured) but none of their content
    deadline = time.monotonic() + 10
    while server.log().count("POST /v1/eligibility") < logged_before + len(sent) + 2:
        assert time.monotonic() < deadline, "the access log never showed the requests"
        time.sleep(0.05)
    log = server.log()
    for secret in (SENTINEL_NAME, SENTINEL_ID, young, "1983-09-17", "19830917"):
        assert secret not in log
