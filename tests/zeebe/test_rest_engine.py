"""The test engine's REST face: Camunda's `/v2` job endpoints, checked against rest-api.yaml.

Each job command goes over REST to the engine and is read back from the engine core (the same
core the gRPC face serves); a request that breaks Camunda's OpenAPI document is refused with
400 naming the violation. Skipped locally without .ci/fetch-zeebe-protocol, failed in CI.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest

from connectors.zeebe.rest import RestGateway
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.services.zeebe_engine.rest import RestFace, require_protocol

pytestmark = pytest.mark.zeebe


@pytest.fixture
def rest(zeebe_engine: ZeebeTestEngine) -> Iterator[tuple[ZeebeTestEngine, httpx.Client]]:
    with RestFace(zeebe_engine, require_protocol()) as face:
        with httpx.Client(base_url=f"{face.address}/v2", timeout=10) as client:
            yield zeebe_engine, client
        assert face.violations == []


def activate(client: httpx.Client, job_type: str, **extra: object) -> list[dict[str, object]]:
    body = {"type": job_type, "worker": "rest-test", "timeout": 30_000, "maxJobsToActivate": 5}
    response = client.post("/jobs/activation", json={**body, **extra})
    assert response.status_code == 200, response.text
    return response.json()["jobs"]


def test_each_job_command_over_rest_reaches_the_engine(
    rest: tuple[ZeebeTestEngine, httpx.Client],
) -> None:
    engine, client = rest
    keys = [
        engine.create_job("t", {"n": n, "secret": "x"}, headers={"h": "v"}, retries=3)
        for n in range(4)
    ]
    jobs = activate(client, "t", fetchVariable=["n"], requestTimeout=1000)
    assert [int(job["jobKey"]) for job in jobs] == keys
    assert jobs[0]["variables"] == {"n": 0} and jobs[0]["customHeaders"] == {"h": "v"}
    assert jobs[0]["worker"] == "rest-test" and jobs[0]["retries"] == 3

    done, failed, erred, extended = keys
    assert (
        client.patch(f"/jobs/{extended}", json={"changeset": {"timeout": 90_000}}).status_code
        == 204
    )
    assert (
        client.post(f"/jobs/{done}/completion", json={"variables": {"out": 1}}).status_code == 204
    )
    failure = {"retries": 0, "errorMessage": "down", "retryBackOff": 0, "variables": {"e": 1}}
    assert client.post(f"/jobs/{failed}/failure", json=failure).status_code == 204
    error = {"errorCode": "NOPE", "errorMessage": "said no", "variables": {"why": "x"}}
    assert client.post(f"/jobs/{erred}/error", json=error).status_code == 204

    assert engine.job(done).outcome.variables == {"out": 1}
    outcome = engine.job(failed).outcome
    assert (outcome.retries, outcome.message, outcome.variables) == (0, "down", {"e": 1})
    assert [i.job_key for i in engine.incidents] == [failed]
    outcome = engine.job(erred).outcome
    assert (outcome.error_code, outcome.message, outcome.variables) == (
        "NOPE",
        "said no",
        {"why": "x"},
    )
    assert engine.job(extended).of_kind("timeout_updated")[0].timeout_ms == 90_000


def test_a_failure_with_retries_and_back_off_delays_the_next_activation(
    rest: tuple[ZeebeTestEngine, httpx.Client],
) -> None:
    engine, client = rest
    key = engine.create_job("t", {}, retries=3)
    assert activate(client, "t")
    body = {"retries": 2, "errorMessage": "later", "retryBackOff": 60_000}
    assert client.post(f"/jobs/{key}/failure", json=body).status_code == 204
    assert activate(client, "t", requestTimeout=-1) == []
    assert engine.job(key).state == "activatable" and engine.job(key).retries == 2


def test_a_long_poll_returns_the_job_created_while_it_waits(
    rest: tuple[ZeebeTestEngine, httpx.Client],
) -> None:
    engine, client = rest
    later = threading.Timer(0.3, lambda: engine.create_job("late", {"a": 1}))
    later.start()
    jobs = activate(client, "late", requestTimeout=10_000)
    assert [job["variables"] for job in jobs] == [{"a": 1}]


def test_a_malformed_request_is_refused_naming_the_violation(
    rest: tuple[ZeebeTestEngine, httpx.Client],
) -> None:
    engine, client = rest
    key = engine.create_job("t", {})
    response = client.post(
        "/jobs/activation", json={"type": "t", "timeout": "soon", "maxJobsToActivate": 1}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "'soon' is not of type 'integer'" in response.json()["detail"]
    response = client.post(f"/jobs/{key}/error", json={"errorMessage": "no code"})
    assert response.status_code == 400
    assert "'errorCode' is a required property" in response.json()["detail"]
    assert engine.job(key).state == "activatable"  # nothing happened to the job


def test_a_command_on_an_unknown_job_is_404_and_topology_names_the_version(
    rest: tuple[ZeebeTestEngine, httpx.Client],
) -> None:
    _, client = rest
    response = client.post("/jobs/123/completion", json={"variables": {}})
    assert response.status_code == 404
    assert "no such job" in response.json()["detail"]
    topology = client.get("/topology").json()
    assert topology["gatewayVersion"] and topology["brokers"][0]["partitions"]


def test_a_job_result_on_completion_is_recorded_and_a_malformed_one_refused(
    rest: tuple[ZeebeTestEngine, httpx.Client],
) -> None:
    """What an ad-hoc sub-process or AI-agent connector sends (Camunda 8.8 REST only)."""
    engine, client = rest
    key, other = engine.create_job("t", {}), engine.create_job("t", {})
    result = {
        "type": "adHocSubProcess",
        "activateElements": [{"elementId": "lookUpOrder", "variables": {"orderId": 7}}],
        "isCompletionConditionFulfilled": False,
        "isCancelRemainingInstances": False,
    }

    async def complete() -> None:
        gateway = RestGateway(str(client.base_url))  # .../v2/ is taken as it is
        try:
            await gateway.complete(key, {"answer": 42}, result=result)
        finally:
            await gateway.close()

    asyncio.run(complete())
    outcome = engine.job(key).outcome
    assert (outcome.variables, outcome.result) == ({"answer": 42}, result)

    bad = {"variables": {}, "result": {"type": "aiAgent"}}
    response = client.post(f"/jobs/{other}/completion", json=bad)
    assert response.status_code == 400
    assert "'aiAgent'" in response.json()["detail"]
    assert engine.job(other).state == "activatable"
