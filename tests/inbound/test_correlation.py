"""Correlation through the runtime's own InboundContext, against the test engine over REST: what
the engine received (message name, correlation key, message id, time to live, variables; the
instance and its variables) and what the connector is told (outcome, acknowledge, retryable)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from connectorhub_sdk.inbound import CorrelationOutcome, InboundContext

from connectors.inbound import context as context_module
from connectors.inbound.context import HubInboundContext, activate
from connectors.inbound.correlation import ActiveElement
from connectors.inbound.discovery import discover
from connectors.inbound.registry import inbound_registry
from connectors.models import ElementState, InboundActivity, InboundElement
from tests.inbound.conftest import QUEUE, Camunda
from tests.inbound.processes import catch_event_process, message_start_process, start_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]


ACTIVATED: list[HubInboundContext] = []


@pytest.fixture(autouse=True)
def flushed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A consumer's routine lines are held for a timer; here they are written by the test's own
    thread when it ends. A timer's thread would wait for the test's open transaction (20 s, the
    SQLite busy timeout) or fire in the next test, where pytest-django refuses its database."""
    monkeypatch.setattr(context_module, "ACTIVITY_BATCH_SECONDS", 3600)
    yield
    while ACTIVATED:
        ACTIVATED.pop().flush_activity()


def context_of(process_id: str) -> HubInboundContext:
    rows = list(
        InboundElement.objects.filter(process__process_id=process_id, state=ElementState.ACTIVE)
    )
    assert rows, f"no active element in {process_id}"
    context = activate(
        inbound_registry().get(rows[0].inbound_type), [ActiveElement.of(r) for r in rows]
    )
    ACTIVATED.append(context)
    return context


def queue(**extra: str) -> dict[str, str]:
    return {"inbound.type": QUEUE, "inbound.queue": "q", **extra}


def test_a_start_event_creates_an_instance_of_its_version_with_the_result(
    camunda: Camunda, test_connectors: None
) -> None:
    properties = queue(resultExpression="={orderId: message.id, total: message.total}")
    camunda.deploy("o.bpmn", start_event_process("orders", properties))
    discover()
    result = context_of("orders").correlate({"message": {"id": "A-7", "total": 12.5}})

    assert (result.outcome, result.acknowledge) == (
        CorrelationOutcome.PROCESS_INSTANCE_CREATED, True,
    )  # fmt: skip
    instance = camunda.engine.instances.by_key[result.process_instance_key or 0]
    assert (instance.process.id, instance.process.version) == ("orders", 1)
    assert instance.variables == {"orderId": "A-7", "total": 12.5}
    assert result.variables == {"orderId": "A-7", "total": 12.5}
    (request,) = [
        body for method, path, body in camunda.face.requests if path.endswith("/process-instances")
    ]
    assert request["processDefinitionId"] == "orders" and request["processDefinitionVersion"] == 1


def test_a_message_is_published_with_its_key_id_ttl_and_variables(
    camunda: Camunda, test_connectors: None
) -> None:
    properties = queue(
        correlationKeyExpression="=message.orderId",
        messageIdExpression="=message.eventId",
        messageTtl="PT30S",
        resultVariable="payment",
    )
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()
    context = context_of("paid")
    event = {"message": {"orderId": 42, "eventId": "evt-1", "amount": 3}}
    result = context.correlate(event)

    assert (result.outcome, result.acknowledge) == (CorrelationOutcome.MESSAGE_PUBLISHED, True)
    (message,) = camunda.engine.messages.received
    assert (message.name, message.correlation_key, message.message_id) == (
        "order-paid", "42", "evt-1",
    )  # fmt: skip
    assert message.time_to_live_ms == 30_000
    assert message.variables == {"payment": event}
    assert result.message_key == message.key

    again = context.correlate(event)
    assert (again.outcome, again.acknowledge) == (
        CorrelationOutcome.MESSAGE_ALREADY_CORRELATED, True,
    )  # fmt: skip
    assert len(camunda.engine.messages.received) == 1

    context.flush_activity()  # a consumer's accepted lines are written in batches
    logged = list(InboundActivity.objects.values_list("outcome", flat=True))
    assert logged[:2] == ["MESSAGE_ALREADY_CORRELATED", "MESSAGE_PUBLISHED"]


def test_a_message_start_event_publishes_with_the_default_ttl_and_the_given_id(
    camunda: Camunda, test_connectors: None, settings: Any
) -> None:
    settings.CONNECTORHUB_INBOUND_MESSAGE_TTL_SECONDS = 90
    camunda.deploy("s.bpmn", message_start_process("signup", "signed-up", queue()))
    discover()
    result = context_of("signup").correlate({"message": {}}, message_id="from-the-queue")
    assert result.outcome == CorrelationOutcome.MESSAGE_PUBLISHED
    (message,) = camunda.engine.messages.received
    assert (message.name, message.correlation_key, message.message_id) == (
        "signed-up", "", "from-the-queue",
    )  # fmt: skip
    assert message.time_to_live_ms == 90_000
    assert message.variables == {}  # neither result variable nor expression: nothing


@pytest.mark.parametrize("consume", [False, True])
def test_an_unmatched_event_is_acknowledged_only_when_the_element_consumes_it(
    camunda: Camunda, test_connectors: None, consume: bool
) -> None:
    properties = queue(
        correlationKeyExpression="=message.id",
        activationCondition='=message.kind = "paid"',
        consumeUnmatchedEvents=str(consume).lower(),
    )
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()
    context = context_of("paid")

    unmatched = context.correlate({"message": {"id": "1", "kind": "refunded"}})
    assert (unmatched.outcome, unmatched.acknowledge, unmatched.retryable) == (
        CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET, consume, False,
    )  # fmt: skip
    assert context.can_activate({"message": {"kind": "refunded"}}) is False
    assert camunda.engine.messages.received == []

    matched = context.correlate({"message": {"id": "1", "kind": "paid"}})
    assert matched.outcome == CorrelationOutcome.MESSAGE_PUBLISHED
    assert [m.correlation_key for m in camunda.engine.messages.received] == ["1"]


def test_a_correlation_key_that_cannot_be_read_is_invalid_input(
    camunda: Camunda, test_connectors: None
) -> None:
    properties = queue(correlationKeyExpression="=message.missing")
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()
    result = context_of("paid").correlate({"message": {"id": "1"}})
    assert (result.outcome, result.acknowledge, result.retryable) == (
        CorrelationOutcome.INVALID_INPUT, False, False,
    )  # fmt: skip
    assert "correlation key for expression =message.missing" in result.message
    assert camunda.engine.messages.received == []


def test_an_unreachable_engine_is_a_retryable_failure_until_it_returns(
    camunda: Camunda, test_connectors: None
) -> None:
    properties = queue(correlationKeyExpression="=message.id")
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()
    context = context_of("paid")

    camunda.down()
    lost = context.correlate({"message": {"id": "1"}})
    assert (lost.outcome, lost.acknowledge, lost.retryable) == (
        CorrelationOutcome.ENGINE_ERROR, False, True,
    )  # fmt: skip
    assert lost.message == "the engine could not be reached after 2 attempts"  # no address

    camunda.up()
    delivered = context.correlate({"message": {"id": "1"}})
    assert (delivered.outcome, delivered.acknowledge) == (
        CorrelationOutcome.MESSAGE_PUBLISHED, True,
    )  # fmt: skip
    assert [m.correlation_key for m in camunda.engine.messages.received] == ["1"]


def test_each_element_keeps_only_its_newest_activity_lines(
    camunda: Camunda, test_connectors: None, settings: Any
) -> None:
    settings.CONNECTORHUB_INBOUND_ACTIVITY_KEEP = 3
    camunda.deploy("o.bpmn", start_event_process("orders", queue()))
    camunda.deploy("p.bpmn", start_event_process("other", queue(**{"inbound.queue": "p"})))
    discover()
    orders, other = context_of("orders"), context_of("other")
    for number in range(5):
        orders.log(f"line {number}")
    other.log("kept")
    lines = InboundActivity.objects.filter(element_id=orders.elements[0].pk)
    assert list(lines.values_list("message", flat=True)) == ["line 4", "line 3", "line 2"]
    assert InboundActivity.objects.filter(element_id=other.elements[0].pk).count() == 2


def test_two_matching_elements_correlate_only_when_interchangeable(
    camunda: Camunda, test_connectors: None
) -> None:
    same = queue(correlationKeyExpression="=message.id", deduplicationMode="AUTO")
    elements = {"first": same, "second": same}
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", elements))
    discover()
    context = context_of("paid")
    assert isinstance(context, InboundContext)  # the SDK's contract, for real
    assert len(context.elements) == 2  # one executable for both
    assert context.correlate({"message": {"id": "1"}}).outcome == "MESSAGE_PUBLISHED"

    different = {"first": same, "second": {**same, "resultVariable": "other"}}
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", different))
    discover()
    refused = context_of("paid").correlate({"message": {"id": "2"}})
    assert (refused.outcome, refused.acknowledge) == (CorrelationOutcome.INVALID_INPUT, False)
    assert refused.message == "Multiple connectors are activated for the same input: first, second"


def test_a_synchronous_start_event_waits_for_the_instance_and_gives_its_variables(
    camunda: Camunda, test_connectors: None
) -> None:
    properties = queue(synchronousResponse="true", resultExpression="={orderId: message.id}")
    camunda.deploy("o.bpmn", start_event_process("orders", properties))
    discover()
    result = context_of("orders").correlate({"message": {"id": "A-7"}})

    assert result.outcome == CorrelationOutcome.PROCESS_INSTANCE_CREATED
    assert result.variables == {"orderId": "A-7"}  # the ended instance's, as the engine said
    (request,) = [b for _, path, b in camunda.face.requests if path.endswith("/process-instances")]
    assert request["awaitCompletion"] is True
    instance = camunda.engine.instances.by_key[result.process_instance_key or 0]
    assert instance.state == "completed"


def test_a_synchronous_message_is_correlated_to_the_waiting_instance_or_refused(
    camunda: Camunda, test_connectors: None
) -> None:
    properties = queue(correlationKeyExpression="=message.id", synchronousResponse="true",
                       messageIdExpression="=message.id")  # fmt: skip
    camunda.deploy("p.bpmn", catch_event_process("paid", "order-paid", {"wait": properties}))
    discover()
    context = context_of("paid")
    waiting = camunda.engine.messages.subscribe("order-paid", "A1", process_instance_key=4711)

    taken = context.correlate({"message": {"id": "A1"}})
    assert (taken.outcome, taken.process_instance_key) == (
        CorrelationOutcome.MESSAGE_PUBLISHED, 4711,
    )  # fmt: skip
    assert waiting.messages == [taken.message_key]
    (message,) = camunda.engine.messages.received
    assert message.kind == "correlated"  # not published: never buffered

    nobody = context.correlate({"message": {"id": "B2"}})
    assert (nobody.outcome, nobody.acknowledge, nobody.retryable) == (
        CorrelationOutcome.ENGINE_ERROR, False, False,
    )  # fmt: skip
    assert "404" in nobody.message
