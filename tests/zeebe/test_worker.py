"""Live jobs: the hub's exported REST process, served by `connector_router`.

Each test deploys a process whose service task applies the official REST template (as
`connectors.export.template_bpmn` writes it) pointing at a local HTTP server, serves its jobs
with the hub's router inside a plain pyzeebe worker (the "embedded" case), and checks what
the gateway saw. Completions and BPMN errors go through the public protocol only
(create-with-result, an error boundary), so they also run against a gateway in ZEEBE_ADDRESS;
failures, retries and incidents are read back from the test engine, which records every
FailJob the worker sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

from connectors.secrets import EnvironmentSecretProvider, MappingSecretProvider, SecretProvider
from connectors.zeebe import FETCH_ALL, JobRecord, connector_router
from connectors.zeebe.rest import RestGateway
from connectors.zeebe.rest_worker import RestJobWorker
from tests.services.http_servers import RecordingServer, Reply
from tests.services.zeebe_engine import Job, ZeebeTestEngine
from tests.zeebe.conftest import WorkerTransport
from tests.zeebe.harness import deploy, running, unique
from tests.zeebe.processes import add_error_boundary, rest_process, task_process

pytestmark = pytest.mark.zeebe

REST = "io.camunda:http-json:1"
RESULT_TIMEOUT_MS = 60_000
TRANSPORT = WorkerTransport("grpc")  # the transport of the running test (`_transport`)


@pytest.fixture(autouse=True)
def _transport(worker_transport: WorkerTransport) -> Iterator[None]:
    """Every test here runs over gRPC and over REST: `hub_worker` serves by TRANSPORT."""
    global TRANSPORT
    TRANSPORT = worker_transport
    yield
    TRANSPORT = WorkerTransport("grpc")


@asynccontextmanager
async def hub_worker(
    address: str,
    records: list[JobRecord],
    *,
    job_types: Sequence[str] = (REST,),
    secrets: SecretProvider | None = None,
    fetch_variables: dict[str, Sequence[str]] | None = None,
) -> AsyncIterator[ZeebeClient]:
    """The hub's router served for the body: included in a pyzeebe worker (one line) over
    gRPC, or in a `RestJobWorker` over REST; the client (deploy, start) speaks gRPC."""
    channel = create_insecure_channel(grpc_address=address)
    router = connector_router(
        job_types=job_types,
        secrets=secrets,
        fetch_variables=fetch_variables,
        observers=[records.append],
        channel=channel,  # where the job commands go over gRPC
    )
    rest = RestGateway(TRANSPORT.rest_address) if TRANSPORT.rest_address else None
    worker: ZeebeWorker | RestJobWorker
    if rest is None:
        worker = ZeebeWorker(channel, name="hub-test", poll_retry_delay=0)
        worker.include_router(router)
    else:
        worker = RestJobWorker(rest, router, name="hub-test")
    try:
        async with running(worker):
            yield ZeebeClient(channel)
    finally:
        await channel.close()
        if rest is not None:
            await rest.close()


async def deploy_and_run(
    address: str,
    directory: Path,
    bpmn_xml: str,
    process_id: str,
    variables: dict[str, Any],
    records: list[JobRecord],
    secrets: SecretProvider | None = None,
) -> dict[str, Any]:
    async with hub_worker(address, records, secrets=secrets) as client:
        await deploy(client, bpmn_xml, directory, process_id)
        result = await client.run_process_with_result(
            process_id, variables, timeout=RESULT_TIMEOUT_MS
        )
    return dict(result.variables)


def test_an_exported_rest_process_completes_with_its_result_variable(
    zeebe_address: str, tmp_path: Path
) -> None:
    records: list[JobRecord] = []
    with RecordingServer() as server:
        server.route("/orders/7", Reply(json={"id": 7, "state": "shipped"}))
        process_id = unique("worker-rest")
        bpmn = rest_process(
            process_id,
            {
                "method": "GET",
                "url": '="' + server.url + '/orders/" + string(orderId)',
                "resultVariable": "order",
                "resultExpression": "={orderState: response.body.state}",
            },
        )
        result = asyncio.run(
            deploy_and_run(zeebe_address, tmp_path, bpmn, process_id, {"orderId": 7}, records)
        )
        assert server.count("/orders/7") == 1

    assert result["orderState"] == "shipped"
    assert result["order"]["status"] == 200
    assert result["order"]["body"] == {"id": 7, "state": "shipped"}
    (record,) = records
    assert record.outcome == "completed" and record.command_error is None
    assert record.bpmn_process_id == process_id and record.element_id == "connector"


def test_an_error_expression_throws_a_bpmn_error_that_a_boundary_event_catches(
    zeebe_address: str, tmp_path: Path
) -> None:
    records: list[JobRecord] = []
    with RecordingServer() as server:
        server.route("/stock", Reply(status=404, json={"sku": "A-1", "reason": "sold out"}))
        process_id = unique("worker-bpmn-error")
        bpmn = rest_process(
            process_id,
            {
                "method": "GET",
                "url": f"{server.url}/stock",
                "errorExpression": (
                    '=if error.code = "404" then bpmnError("OUT_OF_STOCK", '
                    '"Sold out: " + error.variables.response.body.sku, '
                    "{why: error.variables.response.body.reason}) else null"
                ),
            },
        )
        bpmn = add_error_boundary(bpmn, "OUT_OF_STOCK", {"caughtReason": "=why"})
        result = asyncio.run(deploy_and_run(zeebe_address, tmp_path, bpmn, process_id, {}, records))

    # The instance ended through the boundary: the thrown variables reached its output mapping.
    assert result["caughtReason"] == "sold out"
    assert "myResponseBody" not in result
    (record,) = records
    assert record.outcome == "bpmn_error" and record.error_code == "OUT_OF_STOCK"
    assert record.message == "Sold out: A-1" and record.command_error is None


async def serve_until_finished(
    engine: ZeebeTestEngine,
    bpmn_xml: str,
    process_id: str,
    records: list[JobRecord],
    secrets: SecretProvider | None = None,
) -> Job:
    """One instance on the test engine, served until a command finished its job."""
    engine.deploy(bpmn_xml)
    key = engine.start_instance(process_id)
    async with hub_worker(engine.address, records, secrets=secrets):
        return await asyncio.to_thread(engine.wait_for, key, 60)


def test_a_failing_call_runs_its_retries_down_to_an_incident_with_the_error_message(
    zeebe_engine: ZeebeTestEngine,
) -> None:
    records: list[JobRecord] = []
    with RecordingServer() as server:
        server.route("/flaky", Reply(status=503, reason="Service Unavailable", json={"x": 1}))
        process_id = unique("worker-incident")
        bpmn = rest_process(
            process_id,
            {
                "method": "POST",
                "url": f"{server.url}/flaky",
                "retryCount": "3",
                "retryBackoff": "PT1S",
            },
        )
        job = asyncio.run(serve_until_finished(zeebe_engine, bpmn, process_id, records))
        calls = server.count("/flaky")

    # One call per attempt; the job, failed with 0 retries left, was handed out no more.
    assert calls == 3 and len(job.of_kind("activated")) == 3
    failures = job.of_kind("failed")
    assert [f.retries for f in failures] == [2, 1, 0]
    assert [r.retries for r in records] == [2, 1, 0]
    assert all(r.outcome == "failed" and r.command_error is None for r in records)
    # The message the incident carries: Camunda's text with the error variables.
    (incident,) = zeebe_engine.incidents
    assert incident.kind == "JOB_NO_RETRIES" and incident.job_key == job.key
    assert incident.message.startswith("Service Unavailable | Error variables: {error={")
    assert records[-1].message == incident.message and records[-1].error_code == "503"
    # The retryBackoff header reached the gateway, which held the job back for it.
    assert [f.backoff_ms for f in failures[:2]] == [1000, 1000]
    activated = [a.at for a in job.of_kind("activated")]
    assert activated[1] - failures[0].at >= 1.0 and activated[2] - failures[1].at >= 1.0


def test_a_secret_from_the_environment_reaches_the_call_and_no_log_line(
    zeebe_address: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = "tok-7f3a9-live-worker"
    secrets = EnvironmentSecretProvider(environ={"SECRET_ORDERS_TOKEN": token})
    records: list[JobRecord] = []
    caplog.set_level(logging.INFO, logger="connectors.zeebe.jobs")
    with RecordingServer() as server:
        server.route("/secure", Reply(json={"ok": True}))
        process_id = unique("worker-secret")
        bpmn = rest_process(
            process_id,
            {
                "method": "GET",
                "url": f"{server.url}/secure",
                "authentication.type": "bearer",
                "authentication.token": "{{secrets.ORDERS_TOKEN}}",
                "jobTimeout": "PT45S",
                "resultExpression": "={ok: response.body.ok}",
            },
        )
        result = asyncio.run(
            deploy_and_run(zeebe_address, tmp_path, bpmn, process_id, {}, records, secrets)
        )
        request = server.last("/secure")

    assert request.header("Authorization") == f"Bearer {token}"
    assert result["ok"] is True
    (record,) = records
    assert record.secrets_used == ("ORDERS_TOKEN",)
    lines = [r.getMessage() for r in caplog.records if r.name == "connectors.zeebe.jobs"]
    (line,) = lines
    assert json.loads(line)["secrets_used"] == ["ORDERS_TOKEN"]
    assert token not in caplog.text


def test_a_missing_secret_fails_the_job_at_once_with_the_secret_named(
    zeebe_engine: ZeebeTestEngine,
) -> None:
    records: list[JobRecord] = []
    with RecordingServer() as server:
        process_id = unique("worker-no-secret")
        bpmn = rest_process(
            process_id,
            {
                "method": "GET",
                "url": f"{server.url}/never",
                "authentication.type": "bearer",
                "authentication.token": "{{secrets.NOT_THERE}}",
            },
        )
        secrets = EnvironmentSecretProvider(environ={})
        job = asyncio.run(serve_until_finished(zeebe_engine, bpmn, process_id, records, secrets))
        assert server.count("/never") == 0

    (record,) = records
    assert record.outcome == "failed" and record.retries == 0
    assert record.message is not None and "Secret with name 'NOT_THERE'" in record.message
    (failure,) = job.of_kind("failed")
    assert failure.retries == 0 and failure.message == record.message


def test_the_router_refuses_job_types_no_connector_serves() -> None:
    with pytest.raises(ValueError, match="no connector is registered for job type"):
        connector_router(job_types=["acme:unknown:1"])
    with pytest.raises(ValueError, match="fetch_variables names job types not served"):
        connector_router(job_types=[REST], fetch_variables={"other:1": ["a"]})


def test_fetching_every_variable_passes_any_variable_name_through(
    zeebe_address: str, tmp_path: Path
) -> None:
    records: list[JobRecord] = []
    process_id = unique("worker-fetch-all")
    noop = "io.connectorhub:noop:1"
    # No input mapping: `echo` comes straight from the instance, next to names that would
    # clash with a Python parameter.
    bpmn = task_process(process_id, noop, headers={"resultVariable": "out"})

    async def scenario() -> dict[str, Any]:
        fetch = {noop: FETCH_ALL}
        async with hub_worker(
            zeebe_address, records, job_types=[noop], fetch_variables=fetch
        ) as client:
            await deploy(client, bpmn, tmp_path, process_id)
            variables = {"echo": "hi", "self": 1, "job": 2, "kwargs": 3}
            result = await client.run_process_with_result(
                process_id, variables, timeout=RESULT_TIMEOUT_MS
            )
        return dict(result.variables)

    result = asyncio.run(scenario())
    assert result["out"] == {"echo": "hi"}
    assert [r.outcome for r in records] == ["completed"]


class HostRuledSecrets(MappingSecretProvider):
    """A provider that also keeps each secret's allowed hosts, as the hub's database does."""

    def __init__(self, values: dict[str, str], hosts: dict[str, list[str]]) -> None:
        super().__init__(values)
        self.hosts = hosts

    def allowed_hosts(self, name: str) -> list[str]:
        return self.hosts.get(name, [])


def test_a_secret_is_not_sent_to_a_host_its_rule_does_not_allow(
    zeebe_engine: ZeebeTestEngine,
) -> None:
    records: list[JobRecord] = []
    secrets = HostRuledSecrets({"API_KEY": "k-123"}, {"API_KEY": ["api.example.com"]})
    with RecordingServer() as server:
        process_id = unique("worker-host-rule")
        bpmn = rest_process(
            process_id,
            {
                "method": "GET",
                "url": f"{server.url}/leak",
                "authentication.type": "bearer",
                "authentication.token": "{{secrets.API_KEY}}",
            },
        )
        job = asyncio.run(serve_until_finished(zeebe_engine, bpmn, process_id, records, secrets))
        assert server.count("/leak") == 0

    (record,) = records
    assert record.outcome == "failed" and record.retries == 0
    assert record.message is not None and "API_KEY" in record.message
    (failure,) = job.of_kind("failed")
    assert failure.message == record.message and "k-123" not in failure.message


def test_the_job_timeout_header_extends_the_deadline_before_the_call(
    zeebe_engine: ZeebeTestEngine,
) -> None:
    records: list[JobRecord] = []
    with RecordingServer() as server:
        server.route("/ok", Reply(json={"ok": True}))
        key = zeebe_engine.create_job(
            REST,
            {"method": "GET", "url": f"{server.url}/ok"},
            headers={"jobTimeout": "PT45S", "resultVariable": "r"},
        )

        async def serve() -> Job:
            async with hub_worker(zeebe_engine.address, records):
                return await asyncio.to_thread(zeebe_engine.wait_for, key, 60)

        job = asyncio.run(serve())

    # Camunda's runtime sends UpdateJobTimeout with the header's duration before it calls.
    (update,) = job.of_kind("timeout_updated")
    assert update.timeout_ms == 45_000
    assert job.outcome is not None and update.at < job.outcome.at
    assert job.outcome.variables["r"]["body"] == {"ok": True}
