"""The BPMN files deploy to a Zeebe gateway and run: the project's test engine, or your own
Camunda 8 when ZEEBE_ADDRESS names its gateway.

The REST connector's process is deployed, an instance is created, and a bare pyzeebe worker
activates the job: its variables and headers must be what the hub's own job translation
(`build_job`) says, and the worker hands the job to the hub's runtime core, whose REST connector
calls a local HTTP server; the instance then completes with the result expression's variables.
The test engine evaluates the input mappings with our own FEEL, so on it the first test checks
that the export and `build_job` agree; against a real gateway it checks Zeebe's own evaluation.
The engine checks less of a deployment than a broker does (docs/zeebe-broker.md lists what).
"""

# No `from __future__ import annotations`: pyzeebe finds the Job parameter by its annotation.

import asyncio
from pathlib import Path
from typing import Any

import grpc
import pytest
from pyzeebe import Job, ZeebeClient, ZeebeWorker, create_insecure_channel
from pyzeebe.errors import ProcessInvalidError

from connectors.elementtemplates import ElementTemplate, build_job
from connectors.export import BpmnExportError, template_bpmn, unfilled_fields
from connectors.runtime import Completed, JobRequest, run_job_async
from connectors.secrets.providers import MappingSecretProvider
from tests.elementtemplates.corpus import corpus_templates
from tests.export.conftest import newest_rest_template
from tests.services.http_servers import RecordingServer
from tests.zeebe.harness import deploy, running, unique

pytestmark = pytest.mark.zeebe

RESULT_TIMEOUT_MS = 30_000


async def run_rest_process(
    address: str, directory: Path, values: dict[str, Any], variables: dict[str, Any]
) -> tuple[dict[str, Any], list[Job]]:
    template = newest_rest_template()
    process_id = unique("export-rest")
    channel = create_insecure_channel(grpc_address=address)
    client = ZeebeClient(channel)
    await deploy(
        client, template_bpmn(template, values, process_id=process_id), directory, process_id
    )
    worker = ZeebeWorker(channel, name="export-test")
    activated: list[Job] = []

    # A job type no other test serves on a shared gateway would be safer, but the template's
    # Hidden type is the point of the test; process ids are unique, so jobs are ours.
    @worker.task(task_type="io.camunda:http-json:1", timeout_ms=20_000)
    async def rest(job: Job) -> dict[str, Any]:
        activated.append(job)
        request = JobRequest(
            type=job.type,
            variables=dict(job.variables),
            headers=dict(job.custom_headers),
            retries=job.retries,
            key=job.key,
        )
        outcome = await run_job_async(request, secrets=MappingSecretProvider({}))
        assert isinstance(outcome, Completed), outcome
        return outcome.variables

    async with running(worker):
        result = await client.run_process_with_result(
            process_id, variables, timeout=RESULT_TIMEOUT_MS
        )
    await channel.close()
    return dict(result.variables), activated


def test_the_rest_connector_process_deploys_and_runs(zeebe_address: str, tmp_path: Path) -> None:
    with RecordingServer() as server:
        values = {
            "method": "POST",
            "url": f"{server.url}/orders",
            "body": "={order: orderId, note: note}",
            "resultExpression": "={echoedPath: response.body.path, status: response.status}",
        }
        variables = {"orderId": 7, "note": "<&>"}
        result, jobs = asyncio.run(run_rest_process(zeebe_address, tmp_path, values, variables))
        request = server.last("/orders")

    expected = build_job(ElementTemplate.from_dict(newest_rest_template()), values, variables)
    assert expected.errors == {}
    (job,) = jobs
    assert job.type == expected.type and job.retries == expected.retries
    assert dict(job.custom_headers) == expected.headers
    assert {k: job.variables[k] for k in expected.variables} == expected.variables
    assert request.method == "POST" and request.json() == {"order": 7, "note": "<&>"}
    assert result == {**variables, "echoedPath": "/orders", "status": 200}


async def deploy_all(address: str, files: list[Path], chunk: int = 8) -> None:
    """A few files per deployment: inline icons make the files large, and gRPC limits requests."""
    channel = create_insecure_channel(grpc_address=address)
    client = ZeebeClient(channel)
    try:
        for start in range(0, len(files), chunk):
            part = files[start : start + chunk]
            try:
                await client.deploy_resource(*part)
            except ProcessInvalidError as invalid:
                cause = invalid.__cause__
                details = cause.details() if isinstance(cause, grpc.aio.AioRpcError) else ""
                names = [p.name for p in part]
                raise AssertionError(f"Zeebe rejected one of {names}: {details}") from invalid
    finally:
        await channel.close()


def newest_of_each_id() -> list[dict[str, Any]]:
    newest: dict[str, dict[str, Any]] = {}
    for template in corpus_templates():
        known = newest.get(template["id"])
        if known is None or template.get("version", 0) > known.get("version", 0):
            newest[template["id"]] = template
    return [newest[key] for key in sorted(newest)]


def test_the_default_process_of_every_corpus_connector_deploys(
    zeebe_address: str, tmp_path: Path
) -> None:
    files, refused = [], []
    for index, template in enumerate(newest_of_each_id()):
        # Required fields without a default must be filled in, in the hub or in the Modeler,
        # before Zeebe accepts the mapping; any expression will do to check the file.
        values = {key: '="filled in"' for key in unfilled_fields(template)}
        try:
            xml = template_bpmn(template, values, process_id=unique(f"export-{index}"))
        except BpmnExportError as exc:
            refused.append(str(exc))
            continue
        path = tmp_path / f"{index}-{template['id']}.bpmn"
        path.write_text(xml)
        files.append(path)

    asyncio.run(deploy_all(zeebe_address, files))

    assert len(files) > 100
    # Ad-hoc sub-processes need more than start -> element -> end, and the
    # AI agent's zeebe:agentDefinition is not written by the export: each is refused by name.
    assert all(
        "needs more than a start -> element -> end" in reason or "zeebe:agentDefinition" in reason
        for reason in refused
    ), refused
    assert len(refused) < 20
