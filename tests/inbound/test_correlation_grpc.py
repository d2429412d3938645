"""Correlation when the engine is reached over gRPC (CAMUNDA_GRPC_ADDRESS only, or gRPC not
overridden by CAMUNDA_PREFER_REST): the process is deployed through the hub (DeployResource;
gRPC cannot search definitions), the start event and the message reach the project's test
engine over its gRPC face with the exact values, a duplicate message id is
MESSAGE_ALREADY_CORRELATED, and an engine that is down gives the sender 503 until it is back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from connectorhub_sdk.inbound import CorrelationOutcome
from django.test import Client

from connectors.inbound.discovery import deploy
from connectors.models import InboundActivity, InboundProcess
from tests.inbound.conftest import ECHO
from tests.inbound.processes import catch_event_process, start_event_process
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.services.zeebe_engine.instances import COMPLETED

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]


@pytest.fixture
def engine(settings: Any) -> Iterator[ZeebeTestEngine]:
    """The test engine as the hub's only engine, over gRPC."""
    with ZeebeTestEngine() as started:
        settings.ZEEBE_ADDRESS = started.address
        settings.CAMUNDA_REST_ADDRESS = ""
        settings.CONNECTORHUB_INBOUND_CORRELATION_ATTEMPTS = 2
        yield started


def hook(path: str, **extra: str) -> dict[str, str]:
    return {"inbound.type": ECHO, "inbound.context": path, **extra}


def post(path: str, body: Any, **headers: str) -> Any:
    return Client().post(path, json.dumps(body), content_type="application/json", headers=headers)


def test_the_deploy_action_deploys_over_grpc(
    engine: ZeebeTestEngine, test_connectors: None
) -> None:
    (row,) = deploy([("o.bpmn", start_event_process("orders", hook("orders")).encode())])
    process = engine.instances.latest("orders")
    assert (row.process_id, row.version) == ("orders", 1)
    assert row.process_definition_key == process.key
    assert InboundProcess.objects.get().source == "hub"


def test_a_start_event_creates_an_instance_over_grpc(
    engine: ZeebeTestEngine, test_connectors: None
) -> None:
    properties = hook("orders", resultExpression="={orderId: request.body.id}")
    deploy([("o.bpmn", start_event_process("orders", properties).encode())])
    answer = post("/inbound/orders", {"id": "A-7"})
    assert answer.status_code == 202
    assert answer.json()["outcome"] == str(CorrelationOutcome.PROCESS_INSTANCE_CREATED)
    (instance,) = engine.instances.by_key.values()
    assert (instance.process.id, instance.process.version) == ("orders", 1)
    assert instance.variables == {"orderId": "A-7"}


def test_a_message_is_published_over_grpc_and_a_duplicate_id_is_already_correlated(
    engine: ZeebeTestEngine, test_connectors: None
) -> None:
    properties = hook(
        "paid",
        correlationKeyExpression="=request.body.orderId",
        messageIdExpression="=request.body.eventId",
        messageTtl="PT30S",
        resultExpression="={amount: request.body.amount}",
    )
    deploy([("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}).encode())])
    event = {"orderId": 42, "eventId": "evt-1", "amount": 3}
    first = post("/inbound/paid", event)
    assert first.json()["outcome"] == str(CorrelationOutcome.MESSAGE_PUBLISHED)
    (message,) = engine.messages.received
    assert (message.name, message.correlation_key, message.message_id) == (
        "order-paid", "42", "evt-1",
    )  # fmt: skip
    assert (message.time_to_live_ms, message.variables) == (30_000, {"amount": 3})

    again = post("/inbound/paid", event)
    assert again.status_code == 202
    assert again.json()["outcome"] == str(CorrelationOutcome.MESSAGE_ALREADY_CORRELATED)
    assert len(engine.messages.received) == 1


def test_grpc_is_used_when_both_are_set_and_rest_is_not_preferred(
    engine: ZeebeTestEngine, test_connectors: None, settings: Any
) -> None:
    settings.CAMUNDA_REST_ADDRESS = "http://127.0.0.1:9"  # nothing listens there
    settings.CAMUNDA_PREFER_REST = False
    deploy([("o.bpmn", start_event_process("orders", hook("orders")).encode())])
    assert post("/inbound/orders", {}).status_code == 202
    assert len(engine.instances.by_key) == 1


def test_while_the_grpc_engine_is_down_the_sender_gets_503_then_2xx(
    engine: ZeebeTestEngine, test_connectors: None
) -> None:
    properties = hook("paid", correlationKeyExpression="=request.body.orderId")
    deploy([("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}).encode())])

    engine.stop()
    lost = post("/inbound/paid", {"orderId": "A1"})
    assert lost.status_code == 503
    assert lost.json()["error"] == "ENGINE_ERROR"
    assert "could not be reached after 2 attempts" in InboundActivity.objects.first().message

    engine.start()
    delivered = post("/inbound/paid", {"orderId": "A1"})
    assert delivered.status_code == 202
    (message,) = engine.messages.received
    assert (message.name, message.correlation_key) == ("order-paid", "A1")


def test_a_synchronous_start_waits_for_the_result_over_grpc(
    engine: ZeebeTestEngine, test_connectors: None
) -> None:
    properties = hook("orders", synchronousResponse="true", resultVariable="order")
    deploy([("o.bpmn", start_event_process("orders", properties).encode())])
    answer = post("/inbound/orders", {"id": 1})
    assert answer.json()["outcome"] == str(CorrelationOutcome.PROCESS_INSTANCE_CREATED)
    (instance,) = engine.instances.by_key.values()
    assert instance.state == COMPLETED


def test_a_synchronous_message_over_grpc_is_refused_naming_rest(
    engine: ZeebeTestEngine, test_connectors: None
) -> None:
    properties = hook(
        "paid", correlationKeyExpression="=request.body.id", synchronousResponse="true"
    )
    deploy([("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}).encode())])
    answer = post("/inbound/paid", {"id": "A1"})
    assert answer.status_code == 500  # not retryable: sending it again cannot help
    assert "gRPC has no CorrelateMessage" in InboundActivity.objects.first().message
    assert engine.messages.received == []
