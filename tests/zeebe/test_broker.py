"""The harness works on the gateway (the test engine, or ZEEBE_ADDRESS): pyzeebe deploys,
serves jobs, and a BPMN error it throws is caught by the boundary event."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pyzeebe import Job, JobController, ZeebeClient, ZeebeWorker, create_insecure_channel
from pyzeebe.errors import BusinessError

from tests.zeebe.harness import ErrorBoundary, deploy, running, service_task_process, unique

pytestmark = pytest.mark.zeebe

RESULT_TIMEOUT_MS = 20_000


async def complete_with_worker_result(address: str, directory: Path) -> dict[str, object]:
    process_id, job_type = unique("double"), unique("test:double")
    channel = create_insecure_channel(grpc_address=address)
    client = ZeebeClient(channel)
    await deploy(client, service_task_process(process_id, job_type), directory, process_id)
    worker = ZeebeWorker(channel, name="test-broker")

    @worker.task(task_type=job_type)
    async def double(amount: int) -> dict[str, int]:
        return {"total": amount * 2}

    async with running(worker):
        result = await client.run_process_with_result(
            process_id, {"amount": 21}, timeout=RESULT_TIMEOUT_MS
        )
    await channel.close()
    return dict(result.variables)


def test_a_worker_result_completes_the_instance(zeebe_address: str, tmp_path: Path) -> None:
    variables = asyncio.run(complete_with_worker_result(zeebe_address, tmp_path))

    assert variables == {"amount": 21, "total": 42}


async def throw_bpmn_error_with_reason(
    error: Exception, job: Job, controller: JobController
) -> None:
    assert isinstance(error, BusinessError)
    await controller.set_error_status(
        str(error), error_code=error.error_code, variables={"reason": str(error)}
    )


async def catch_worker_error(address: str, directory: Path) -> dict[str, object]:
    process_id, job_type = unique("reject"), unique("test:reject")
    # The error's variables exist only in the catch event's scope: the output mapping keeps them.
    catch = ErrorBoundary(
        error_code="AMOUNT_TOO_HIGH", outputs={"path": '="rejected"', "rejectedBecause": "=reason"}
    )
    channel = create_insecure_channel(grpc_address=address)
    client = ZeebeClient(channel)
    bpmn = service_task_process(process_id, job_type, catch=catch)
    await deploy(client, bpmn, directory, process_id)
    worker = ZeebeWorker(channel, name="test-broker")

    @worker.task(task_type=job_type, exception_handler=throw_bpmn_error_with_reason)
    async def reject(amount: int) -> dict[str, int]:
        raise BusinessError("AMOUNT_TOO_HIGH", f"amount {amount} is over the limit")

    async with running(worker):
        result = await client.run_process_with_result(
            process_id, {"amount": 5000}, timeout=RESULT_TIMEOUT_MS
        )
    await channel.close()
    return dict(result.variables)


def test_a_bpmn_error_from_the_worker_is_caught_by_the_boundary_event(
    zeebe_address: str, tmp_path: Path
) -> None:
    variables = asyncio.run(catch_worker_error(zeebe_address, tmp_path))

    assert variables == {
        "amount": 5000,
        "path": "rejected",
        "rejectedBecause": "amount 5000 is over the limit",
    }
