"""The live worker over the Orchestration Cluster REST API: configuration, authentication, the
job result, and what the test engine's REST face received (checked against rest-api.yaml).

The shared worker tests (test_worker, test_resilience, test_status) already run over both
transports; these cover what only REST has.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any

import pytest

from connectorhub.localredis import free_port
from connectors.management.commands.zeebe_worker import build_worker, gateway_from_settings
from connectors.zeebe import GatewayConfig, LiveWorker, WorkerConfig, connector_router
from connectors.zeebe.jobs import CommandRejected
from connectors.zeebe.rest import COMMAND_CONNECTIONS, RestAuth, RestGateway
from connectors.zeebe.rest_worker import RestJobWorker
from tests.services.http_servers import Recorded, RecordingServer, Reply, oauth_token_endpoint
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.services.zeebe_engine.rest import RestFace, require_protocol

pytestmark = pytest.mark.zeebe

NOOP = "io.connectorhub:noop:1"
TOPOLOGY = {
    "brokers": [],
    "clusterSize": 1,
    "partitionsCount": 1,
    "replicationFactor": 1,
    "gatewayVersion": "8.8.0",
    "lastCompletedChangeId": "-1",
}


@pytest.fixture
def face(zeebe_engine: ZeebeTestEngine) -> Iterator[RestFace]:
    with RestFace(zeebe_engine, require_protocol()) as rest:
        yield rest
    assert rest.refused == [] and rest.violations == []


def test_rest_wins_only_when_it_is_the_only_address_or_preferred(settings: Any) -> None:
    settings.ZEEBE_ADDRESS, settings.CAMUNDA_REST_ADDRESS = "", "http://camunda:8080"
    assert gateway_from_settings().transport == "rest"
    settings.ZEEBE_ADDRESS = "camunda:26500"
    assert gateway_from_settings().transport == "grpc"  # both set: gRPC, as Camunda's client
    settings.CAMUNDA_PREFER_REST = True
    assert gateway_from_settings().transport == "rest"
    settings.CAMUNDA_PREFER_REST = False
    assert gateway_from_settings(rest_address="http://other:8080").transport == "rest"
    assert gateway_from_settings(address="zeebe:26500").transport == "grpc"


def test_bad_rest_settings_are_named(settings: Any) -> None:
    settings.ZEEBE_ADDRESS = ""
    settings.CAMUNDA_REST_ADDRESS = "camunda:8080"
    settings.CAMUNDA_BASIC_AUTH_USERNAME = "demo"
    settings.CAMUNDA_BASIC_AUTH_PASSWORD = ""
    with pytest.raises(ValueError) as error:
        build_worker({})
    assert "CAMUNDA_REST_ADDRESS='camunda:8080' must be a URL" in str(error.value)
    assert "CAMUNDA_BASIC_AUTH_PASSWORD" in str(error.value)


def test_the_supervised_worker_serves_a_job_over_rest_with_every_command_conforming(
    zeebe_engine: ZeebeTestEngine, face: RestFace
) -> None:
    key = zeebe_engine.create_job(
        NOOP, {"echo": "hi", "other": 1}, headers={"resultVariable": "out", "jobTimeout": "PT45S"}
    )
    worker = LiveWorker(
        GatewayConfig(address="", rest_address=face.address),
        WorkerConfig(name="rest-live", job_types=(NOOP,), heartbeat_interval=0.3),
    )

    async def scenario() -> None:
        stop = asyncio.Event()
        serving = asyncio.create_task(worker.run(stop))
        await asyncio.to_thread(zeebe_engine.wait_for, key, 30)
        stop.set()
        await serving

    asyncio.run(scenario())

    assert zeebe_engine.job(key).outcome.variables == {"out": {"echo": "hi"}}
    sent = {(method, path): body for method, path, body in face.requests}
    activation = sent[("POST", "/v2/jobs/activation")]
    assert activation["worker"] == "rest-live" and activation["type"] == NOOP
    assert activation["fetchVariable"] == ["echo"]  # the connector's input fields
    assert sent[("PATCH", f"/v2/jobs/{key}")] == {"changeset": {"timeout": 45_000}}
    assert sent[("POST", f"/v2/jobs/{key}/completion")] == {"variables": {"out": {"echo": "hi"}}}
    assert ("GET", "/v2/topology") in sent
    assert worker.state.address.startswith(f"REST {face.address} (gateway ")
    assert worker.stats.totals["completed"] == 1


STOP_WITHIN = 10.0  # seconds a stopped worker gets to end before the test says it hung


async def stopped(serving: asyncio.Task[None], stop: asyncio.Event) -> None:
    """Stop the worker and wait for it, a bounded time: a hang fails here, naming itself."""
    stop.set()
    done, _ = await asyncio.wait({serving}, timeout=STOP_WITHIN)
    assert done, f"the worker did not stop within {STOP_WITHIN:g} s of its stop signal"
    serving.result()


def test_a_slot_freed_at_the_maximum_is_polled_for_at_once_not_after_the_poll_interval(
    zeebe_engine: ZeebeTestEngine, face: RestFace
) -> None:
    """Over REST the worker polls again as soon as a job finishes, as Camunda's job worker
    does: POLL_INTERVAL (pyzeebe's re-check over gRPC) does not hold the freed slot empty."""
    keys = [zeebe_engine.create_job(NOOP, {"echo": n}) for n in range(3)]
    worker = LiveWorker(
        GatewayConfig(address="", rest_address=face.address),
        WorkerConfig(job_types=(NOOP,), max_jobs_active=1, poll_interval=600),
    )

    async def scenario() -> None:
        stop = asyncio.Event()
        serving = asyncio.create_task(worker.run(stop))
        try:  # a pause of the poll interval after each job would take 20 minutes here
            for key in keys:
                await asyncio.to_thread(zeebe_engine.wait_for, key, 30)
        finally:
            await stopped(serving, stop)

    asyncio.run(scenario())
    assert worker.stats.totals["completed"] == 3


def test_a_stop_ends_the_long_poll_wherever_it_lands(face: RestFace) -> None:
    """A stop cancels the worker's polls; the cancellation must end a poll at every step of
    its request. On Python 3.11 `asyncio.wait_for`, which took the HTTP pool's connection
    slot, swallowed a cancellation that landed just after the slot was taken: the request
    went on and the poll loop with it, and the worker never stopped (a CI hang once the
    worker polled the moment a job finished, which is when a test stops it; issue 16)."""

    async def poll_cancelled_after(steps: int) -> bool:
        gateway = RestGateway(face.address)
        worker = RestJobWorker(gateway, connector_router(job_types=(NOOP,)), name="stop-sweep")
        work = asyncio.create_task(worker.work())
        try:
            for _ in range(steps):  # let the poll run this many event loop steps
                await asyncio.sleep(0)
            work.cancel()
            done, _ = await asyncio.wait({work}, timeout=3)  # the long poll lasts 10 s
            return bool(done)
        finally:
            await asyncio.wait_for(worker.stop(), STOP_WITHIN)  # a second cancel ends it
            await gateway.close()

    async def sweep() -> list[int]:
        return [steps for steps in range(30) if not await poll_cancelled_after(steps)]

    hung = asyncio.run(sweep())
    assert hung == [], f"polls cancelled after these event loop steps went on: {hung}"


def test_a_completion_can_carry_a_job_result(zeebe_engine: ZeebeTestEngine, face: RestFace) -> None:
    key = zeebe_engine.create_job("ad-hoc", {})
    result = {"type": "adHocSubProcess", "activateElements": [{"elementId": "tool_a"}]}

    async def scenario() -> None:
        gateway = RestGateway(face.address)
        try:
            (job,) = await gateway.activate("ad-hoc", worker="w", timeout_ms=5000, max_jobs=1)
            await gateway.complete(job.key, {"done": True}, result=result)
            with pytest.raises(CommandRejected, match="404 NOT_FOUND"):
                await gateway.complete(job.key, {})  # already completed
        finally:
            await gateway.close()

    asyncio.run(scenario())
    assert zeebe_engine.job(key).outcome.variables == {"done": True}
    assert (
        "POST",
        f"/v2/jobs/{key}/completion",
        {"variables": {"done": True}, "result": result},
    ) in (face.requests)


def test_long_polls_of_many_job_types_do_not_hold_up_a_command(
    zeebe_engine: ZeebeTestEngine, face: RestFace
) -> None:
    """Job commands use a few connections in turn (COMMAND_CONNECTIONS); the long polls, one
    per job type and held by the gateway, have their own, so a worker serving more job types
    than that still completes its jobs at once."""
    key = zeebe_engine.create_job("served", {})
    idle_types = [f"idle-{n}" for n in range(COMMAND_CONNECTIONS + 4)]

    async def scenario() -> None:
        gateway = RestGateway(face.address)
        try:
            (job,) = await gateway.activate("served", worker="w", timeout_ms=30_000, max_jobs=1)
            polls = [
                asyncio.create_task(
                    gateway.activate(
                        t, worker="w", timeout_ms=5000, max_jobs=1, request_timeout_ms=20_000
                    )
                )
                for t in idle_types
            ]
            await asyncio.to_thread(
                zeebe_engine.wait_until,
                lambda: zeebe_engine.store.open_polls >= COMMAND_CONNECTIONS,
                10,
                "the long polls to be open",
            )
            # Within a fraction of the polls' 20 s: the command did not wait for a poll to end.
            await asyncio.wait_for(gateway.complete(job.key, {"done": True}), 5)
            for poll in polls:
                poll.cancel()
            await asyncio.gather(*polls, return_exceptions=True)
        finally:
            await gateway.close()

    asyncio.run(scenario())
    assert zeebe_engine.job(key).outcome.variables == {"done": True}


def test_a_command_to_a_gateway_that_is_gone_is_a_rejected_command() -> None:
    """The job handler records it as the command's error (it must not escape the job)."""
    address = f"http://127.0.0.1:{free_port()}"

    async def scenario() -> None:
        gateway = RestGateway(address)
        try:
            with pytest.raises(CommandRejected, match=f"{address}/v2/jobs/7/failure: ConnectError"):
                await gateway.fail(7, 0, "down", 0, {})
        finally:
            await gateway.close()

    asyncio.run(scenario())


def topology_route(server: RecordingServer, unauthorized_first: int = 0) -> None:
    answered = {"n": 0}

    def topology(request: Recorded) -> Reply:
        answered["n"] += 1
        if answered["n"] <= unauthorized_first:
            return Reply(status=401, json={"title": "UNAUTHORIZED", "status": 401, "detail": "x"})
        return Reply(json=TOPOLOGY)

    server.route("/v2/topology", topology)


def test_basic_authentication_is_sent_on_every_request() -> None:
    with RecordingServer() as server:
        topology_route(server)

        async def scenario() -> str | None:
            gateway = RestGateway(server.url, RestAuth(username="demo", password="s3cret"))
            try:
                return await gateway.answers()
            finally:
                await gateway.close()

        assert asyncio.run(scenario()) is None
        expected = "Basic " + base64.b64encode(b"demo:s3cret").decode()
        assert server.last("/v2/topology").header("Authorization") == expected


def test_oauth_tokens_are_cached_and_fetched_again_after_a_401() -> None:
    with RecordingServer() as server:
        tokens = oauth_token_endpoint(server)
        topology_route(server)
        auth = RestAuth(
            client_id="worker",
            client_secret="s3cret",
            authorization_server=f"{server.url}/oauth/token",
            audience="zeebe-api",
        )

        async def scenario() -> list[str | None]:
            gateway = RestGateway(server.url, auth)
            try:
                answers = [await gateway.answers(), await gateway.answers()]
                topology_route(server, unauthorized_first=1)  # the token was revoked
                answers.append(await gateway.answers())
                return answers
            finally:
                await gateway.close()

        assert asyncio.run(scenario()) == [None, None, None]
        form = dict(server.last("/oauth/token").form())
        assert form["grant_type"] == "client_credentials" and form["audience"] == "zeebe-api"
        assert tokens() == 2  # one for the first two calls, a new one after the 401
        bearers = [r.header("Authorization") for r in server.requests if r.path == "/v2/topology"]
        assert bearers == ["Bearer token-1", "Bearer token-1", "Bearer token-1", "Bearer token-2"]


@pytest.mark.django_db
def test_healthz_asks_the_rest_gateway_for_its_version(
    signed_in_client: Any, redis_url: str, settings: Any, face: RestFace
) -> None:
    settings.ZEEBE_ADDRESS, settings.CAMUNDA_REST_ADDRESS = "", face.address

    # the details are for signed-in users; anonymous callers get each component's state only
    zeebe = signed_in_client.get("/healthz").json()["components"]["zeebe"]

    assert zeebe["ok"] is True
    assert zeebe["detail"].startswith(f"REST gateway {face.address} reachable, version 8.")
