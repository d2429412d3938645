"""Inbound fixtures: the project's Zeebe test engine behind its REST face (every request checked
against Camunda's rest-api.yaml) as the hub's configured engine, and small inbound connectors
declared here and registered with the runtime's registry for one test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from connectorhub_sdk.inbound import (
    Health,
    InboundContext,
    WebhookRequest,
    WebhookResponse,
    consumer,
    webhook,
)
from pydantic import BaseModel, ConfigDict

from connectors.inbound import registry
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.services.zeebe_engine.rest import RestFace, require_protocol

ECHO = "test:echo-webhook:1"
QUEUE = "test:queue-consumer:1"


@dataclass
class Camunda:
    """The engine, its REST face, and a way to take the face down and bring it back."""

    engine: ZeebeTestEngine
    face: RestFace
    spec: Any
    faces: list[RestFace] = field(default_factory=list)

    def deploy(self, name: str, xml: str) -> Any:
        (process,) = self.engine.instances.deploy([(name, xml.encode())])
        return process

    def down(self) -> None:
        self.face.stop()

    def up(self) -> None:
        port = int(self.face.address.rsplit(":", 1)[1])
        self.faces.append(self.face)
        self.face = RestFace(self.engine, self.spec, port=port)
        self.face.start()


@pytest.fixture
def camunda(settings: Any) -> Iterator[Camunda]:
    spec = require_protocol()
    with ZeebeTestEngine() as engine:
        face = RestFace(engine, spec)
        face.start()
        settings.ZEEBE_ADDRESS = ""
        settings.CAMUNDA_REST_ADDRESS = face.address
        settings.CONNECTORHUB_INBOUND_CORRELATION_ATTEMPTS = 2
        world = Camunda(engine, face, spec)
        try:
            yield world
        finally:
            world.face.stop()
        for each in [*world.faces, world.face]:
            assert each.refused == [], "the hub sent requests that break rest-api.yaml"
            assert each.violations == []


class EchoInput(BaseModel):
    """What the echo webhook binds: its path and an optional shared token."""

    model_config = ConfigDict(extra="ignore")
    inbound: dict[str, Any]


@webhook(type=ECHO, name="Echo webhook (test)", input=EchoInput)
def echo(data: EchoInput, request: WebhookRequest, context: InboundContext) -> WebhookResponse:
    """Correlates `{"request": {"body": ..., "headers": ...}}` and answers 202 with the outcome:
    what a simple webhook connector does, so that the runtime is what the tests observe."""
    token = data.inbound.get("token")
    if token and request.headers.get("x-token") != token:
        return WebhookResponse(401, {"error": "wrong token"})
    body = json.loads(request.body or b"null")
    variables = {
        "request": {"body": body, "headers": dict(request.headers), "query": dict(request.query)}
    }
    result = context.correlate(variables, message_id=request.headers.get("x-message-id"))
    return WebhookResponse(202, {"outcome": str(result.outcome), "message": result.message})


class QueueInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    inbound: dict[str, Any]


# What the test consumer reads: messages put on a queue by the test, per queue name.
QUEUES: dict[str, list[dict[str, Any]]] = {}
STARTS: list[str] = []  # each start of a consumer, by queue name
QUEUE_LOCK = threading.Lock()


@consumer(type=QUEUE, name="Queue consumer (test)", input=QueueInput)
def consume(data: QueueInput, context: InboundContext) -> None:
    """Takes messages off QUEUES[name] and correlates each; a message {"crash": true} makes it
    raise (the runtime restarts it), acknowledged messages leave the queue."""
    name = data.inbound["queue"]
    with QUEUE_LOCK:
        STARTS.append(name)
    context.report_health(Health.UP)
    while not context.stopping.is_set():
        with QUEUE_LOCK:
            message = QUEUES.get(name, [None])[0] if QUEUES.get(name) else None
        if message is None:
            context.stopping.wait(0.05)
            continue
        if message.get("crash"):
            with QUEUE_LOCK:
                QUEUES[name].pop(0)
            raise RuntimeError(f"the queue {name} broke")
        result = context.correlate({"message": message})
        if result.acknowledge:
            with QUEUE_LOCK:
                QUEUES[name].pop(0)


@pytest.fixture
def test_connectors() -> Iterator[None]:
    registry.register(echo)
    registry.register(consume)
    QUEUES.clear()
    STARTS.clear()
    yield
    registry.unregister(ECHO)
    registry.unregister(QUEUE)
