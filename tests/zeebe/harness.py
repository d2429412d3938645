"""What tests against a gateway share: small BPMN processes, deploying, a running worker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import grpc
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel
from pyzeebe.errors import ProcessInvalidError


@dataclass(frozen=True)
class ErrorBoundary:
    """An error boundary event on the service task that catches `error_code`.

    `outputs` maps process variables to FEEL expressions evaluated when the error is caught
    (the error's own variables are visible there).
    """

    error_code: str
    outputs: dict[str, str]


def service_task_process(
    process_id: str,
    job_type: str,
    *,
    retries: int = 3,
    catch: ErrorBoundary | None = None,
) -> str:
    """start -> service task (job_type) -> end, and optionally a caught error -> error end."""
    error_definition, boundary = "", ""
    if catch is not None:
        error_definition = (
            f'<bpmn:error id="error" name="caught" errorCode={quoteattr(catch.error_code)}/>'
        )
        mappings = "".join(
            f"<zeebe:output source={quoteattr(expression)} target={quoteattr(target)}/>"
            for target, expression in catch.outputs.items()
        )
        boundary = f"""
    <bpmn:boundaryEvent id="caught" attachedToRef="task">
      <bpmn:extensionElements><zeebe:ioMapping>{mappings}</zeebe:ioMapping></bpmn:extensionElements>
      <bpmn:outgoing>toErrorEnd</bpmn:outgoing>
      <bpmn:errorEventDefinition errorRef="error"/>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="toErrorEnd" sourceRef="caught" targetRef="errorEnd"/>
    <bpmn:endEvent id="errorEnd"><bpmn:incoming>toErrorEnd</bpmn:incoming></bpmn:endEvent>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    id="definitions" targetNamespace="https://connectorhub.test/zeebe">
  {error_definition}
  <bpmn:process id={quoteattr(process_id)} isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="toTask" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type={quoteattr(job_type)} retries="{retries}"/>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toEnd" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>{boundary}
  </bpmn:process>
</bpmn:definitions>
"""


async def deploy(client: ZeebeClient, bpmn_xml: str, directory: Path, name: str) -> None:
    """Deploy one BPMN document (pyzeebe deploys from files, so it is written first)."""
    path = directory / f"{name}.bpmn"
    path.write_text(bpmn_xml)
    try:
        await client.deploy_resource(path)
    except ProcessInvalidError as invalid:
        # pyzeebe drops the broker's explanation; it is on the gRPC error underneath.
        cause = invalid.__cause__
        details = cause.details() if isinstance(cause, grpc.aio.AioRpcError) else str(invalid)
        raise AssertionError(f"Zeebe rejected {path.name}: {details}") from invalid


def unique(name: str) -> str:
    """A process id or job type no other test (or earlier run on a shared gateway) uses."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def running(worker: ZeebeWorker) -> AsyncIterator[None]:
    """The worker polls in the background for the body, and is stopped after it."""
    work = asyncio.create_task(worker.work())
    try:
        yield
    finally:
        await worker.stop()
        await work


def run_with_live_worker(
    address: str,
    worker: Any,
    bpmn: str,
    process_id: str,
    directory: Path,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Deploy BPMN, run one instance of PROCESS_ID to its end while the hub's live WORKER
    (`build_worker`) serves it, and return the instance's variables."""

    async def scenario() -> dict[str, Any]:
        channel = create_insecure_channel(grpc_address=address)
        client = ZeebeClient(channel)
        await deploy(client, bpmn, directory, process_id)
        stop = asyncio.Event()
        serving = asyncio.create_task(worker.run(stop))
        try:
            result = await client.run_process_with_result(
                process_id, variables or {}, timeout=60_000
            )
        finally:
            stop.set()
            await serving
            await channel.close()
        return dict(result.variables)

    return asyncio.run(scenario())
