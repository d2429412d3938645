"""Fixtures for the Camunda 7 worker: one Operaton test engine for the session
(tests/services/operaton.py), a client of its REST API, and BPMN with external tasks."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest

from connectors.engine7.worker import ExternalTaskWorker
from tests.services.operaton import EngineRest, Operaton, operaton

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
REST = "io.camunda:http-json:1"


@pytest.fixture(scope="session")
def operaton_engine() -> Iterator[Operaton]:
    with operaton() as running:
        yield running


@pytest.fixture
def engine(operaton_engine: Operaton) -> Iterator[EngineRest]:
    rest = EngineRest(operaton_engine)
    yield rest
    rest.close()


@pytest.fixture
def engine_settings(settings: Any, operaton_engine: Operaton) -> Any:
    """The worker's settings pointing at the test engine, with its credentials."""
    settings.CAMUNDA7_REST_ADDRESS = operaton_engine.url
    settings.CAMUNDA7_BASIC_AUTH_USERNAME = operaton_engine.user
    settings.CAMUNDA7_BASIC_AUTH_PASSWORD = operaton_engine.password
    settings.CAMUNDA7_WORKER_LONG_POLL = 2.0  # a stop ends the open poll at once anyway
    return settings


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def external_task_process(
    process_id: str,
    topic: str,
    *,
    inputs: Mapping[str, str] | None = None,
    properties: Mapping[str, str] | None = None,
    error_boundary: str | None = None,
) -> str:
    """start -> external task (TOPIC, input parameters, extension properties) -> end; with
    ERROR_BOUNDARY (an error code) an error boundary event catching that code
    leads to the end event `caughtEnd` (Camunda 7 maps no outputs on a boundary event)."""
    input_xml = "".join(
        f"<camunda:inputParameter name={quoteattr(k)}>{escape(v)}</camunda:inputParameter>"
        for k, v in (inputs or {}).items()
    )
    property_xml = "".join(
        f"<camunda:property name={quoteattr(k)} value={quoteattr(v)}/>"
        for k, v in (properties or {}).items()
    )
    boundary = error = ""
    if error_boundary is not None:
        error = f'<bpmn:error id="caughtError" errorCode={quoteattr(error_boundary)}/>'
        boundary = """
    <bpmn:boundaryEvent id="caught" attachedToRef="task">
      <bpmn:errorEventDefinition errorRef="caughtError"/>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="toCaughtEnd" sourceRef="caught" targetRef="caughtEnd"/>
    <bpmn:endEvent id="caughtEnd"/>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:camunda="{CAMUNDA}" id="definitions"
    targetNamespace="https://connectorhub.test/engine7">
  {error}
  <bpmn:process id={quoteattr(process_id)} isExecutable="true" camunda:historyTimeToLive="1">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="toTask" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task" camunda:type="external" camunda:topic={quoteattr(topic)}>
      <bpmn:extensionElements>
        <camunda:properties>{property_xml}</camunda:properties>
        <camunda:inputOutput>{input_xml}</camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toEnd" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>{boundary}
  </bpmn:process>
</bpmn:definitions>
"""


def serve_until(worker: ExternalTaskWorker, engine: EngineRest, condition: Any, what: str) -> None:
    """Run WORKER in this thread's event loop until CONDITION holds (asked in a thread)."""

    async def scenario() -> None:
        stop = asyncio.Event()
        serving = asyncio.create_task(worker.run(stop))
        try:
            await asyncio.to_thread(engine.wait_until, condition, 90, what)
        finally:
            stop.set()
            await serving

    asyncio.run(scenario())
