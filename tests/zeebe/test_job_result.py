"""A connector's job result on the live worker: over REST it travels on the completion, and
the test engine records it (a malformed one is refused against rest-api.yaml and the job
fails naming why); over gRPC, which pyzeebe 4.7 cannot carry it on, the job fails saying so."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from connectorhub_sdk import (
    AdHocSubProcessResult,
    ConnectorContext,
    ConnectorResponse,
    ElementActivation,
    connector,
)
from pydantic import BaseModel

from connectors.registry import Registry
from connectors.secrets import MappingSecretProvider
from connectors.zeebe import GatewayConfig, LiveWorker, WorkerConfig
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.services.zeebe_engine.jobs import Job
from tests.services.zeebe_engine.rest import RestFace, require_protocol

pytestmark = pytest.mark.zeebe

PLAN = "test:plan:1"


class PlanInput(BaseModel):
    element: Any  # an element id; anything else gives a malformed job result on purpose


@connector(type=PLAN, name="Plan", input=PlanInput)
def plan(data: PlanInput, context: ConnectorContext) -> ConnectorResponse:
    activation = ElementActivation(data.element, {"orderId": 7})
    return ConnectorResponse({"chose": data.element}, AdHocSubProcessResult([activation]))


def _serve(engine: ZeebeTestEngine, gateway: GatewayConfig, element: Any) -> Job:
    registry = Registry()
    registry.register(plan, "builtin:tests.zeebe.job_result")
    key = engine.create_job(PLAN, {"element": element}, headers={"resultVariable": "out"})
    worker = LiveWorker(
        gateway,
        WorkerConfig(name="planner", job_types=(PLAN,), heartbeat_interval=0.3),
        registry=registry,
        secrets=MappingSecretProvider({}),
    )

    async def scenario() -> None:
        stop = asyncio.Event()
        serving = asyncio.create_task(worker.run(stop))
        await asyncio.to_thread(engine.wait_for, key, 30)
        stop.set()
        await serving

    asyncio.run(scenario())
    return engine.job(key)


def test_over_rest_the_completion_carries_the_job_result(zeebe_engine: ZeebeTestEngine) -> None:
    with RestFace(zeebe_engine, require_protocol()) as face:
        job = _serve(zeebe_engine, GatewayConfig(address="", rest_address=face.address), "tool_a")
    assert face.refused == [] and face.violations == []
    assert job.outcome.kind == "completed"
    assert job.outcome.variables == {"out": {"chose": "tool_a"}}  # resultVariable as before
    assert job.outcome.result == {
        "type": "adHocSubProcess",
        "activateElements": [{"elementId": "tool_a", "variables": {"orderId": 7}}],
        "isCompletionConditionFulfilled": False,
        "isCancelRemainingInstances": False,
    }


def test_a_malformed_job_result_is_refused_and_the_job_fails_naming_it(
    zeebe_engine: ZeebeTestEngine,
) -> None:
    with RestFace(zeebe_engine, require_protocol()) as face:
        job = _serve(zeebe_engine, GatewayConfig(address="", rest_address=face.address), 42)
    (refusal,) = face.refused
    assert "42 is not of type 'string'" in refusal  # openapi-core's words for the elementId
    assert job.outcome.kind == "failed" and job.outcome.retries == 0
    assert job.outcome.message.startswith("the gateway refused the job result: POST ")
    assert "42 is not of type 'string'" in job.outcome.message


def test_over_grpc_the_job_fails_naming_the_transport(
    zeebe_engine: ZeebeTestEngine, zeebe_address: str
) -> None:
    job = _serve(zeebe_engine, GatewayConfig(address=zeebe_address), "tool_a")
    assert job.outcome.kind == "failed" and job.outcome.retries == 0
    assert "gRPC transport cannot send" in job.outcome.message
    assert "CAMUNDA_REST_ADDRESS" in job.outcome.message
