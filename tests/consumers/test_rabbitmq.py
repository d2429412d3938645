"""The RabbitMQ consumer against a real broker: Camunda's variables and message id, ack only
after the engine accepted a message, redelivery of what it did not, a poison message that does
not stop the others, a prompt stop, and health DOWN then UP around a missing queue."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pika
import pytest
from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult, Health
from connectorhub_sdk.inbound_testing import InboundTestContext

from connectors.builtin.rabbitmq.inbound import TYPE, body_value, consume
from tests.consumers.conftest import Running, unique, wait_for
from tests.consumers.corpus import element_properties, inbound_templates, template_id
from tests.services.rabbitmq import RabbitMQ

pytestmark = pytest.mark.xdist_group("rabbitmq")

FILES = [
    f"rabbitmq-inbound-connector-{kind}.json"
    for kind in ("start-event", "message-start", "intermediate", "boundary", "receive")
]
TEMPLATES = inbound_templates(*FILES)
Start = Callable[..., Running]


def properties(server: RabbitMQ, queue: str, **extra: Any) -> dict[str, Any]:
    """The element's properties for a credentials connection to SERVER's virtual host."""
    return {
        "inbound.type": TYPE,
        "authentication.authType": "credentials",
        "authentication.userName": server.user,
        "authentication.password": server.password,
        "routing.hostName": server.host,
        "routing.port": str(server.port),
        "routing.virtualHost": server.vhost,
        "queueName": queue,
        **extra,
    }


def declare(server: RabbitMQ) -> str:
    queue = unique("inbound")
    with server.channel() as ch:
        ch.queue_declare(queue)
    server.declared.append((server.vhost, "queue", queue))
    return queue


def publish(server: RabbitMQ, queue: str, bodies: list[bytes], **props: Any) -> None:
    with server.channel() as ch:
        for number, body in enumerate(bodies):
            message_props = {"message_id": f"m{number}", **props}
            ch.basic_publish("", queue, body, pika.BasicProperties(**message_props))


def counts(server: RabbitMQ, queue: str) -> tuple[int, int]:
    """(messages ready in QUEUE, its consumers)."""
    with server.channel() as ch:
        ok = ch.queue_declare(queue, passive=True).method
    return ok.message_count, ok.consumer_count


def test_the_corpus_holds_every_inbound_template_version() -> None:
    assert {template_id(t) for t in TEMPLATES} == {
        *(f"StartEvent-v{v}" for v in (1, 2, 3, 6, 7, 8)),
        *(f"MessageStart-v{v}" for v in (1, 6, 7, 8)),
        *(f"Intermediate-v{v}" for v in (1, 2, 3, 4, 6, 7, 8)),
        *(f"Boundary-v{v}" for v in (1, 2, 6, 7, 8)),
        "Receive-v8",
    }


@pytest.mark.parametrize("tpl", TEMPLATES, ids=template_id)
def test_every_template_version_consumes_with_either_connection_type(
    tpl: dict[str, Any], rabbit: RabbitMQ, running: Start
) -> None:
    queue = declare(rabbit)
    for auth in ("uri", "credentials"):
        values = {**properties(rabbit, queue), "authentication.authType": auth}
        values["authentication.uri"] = rabbit.uri(rabbit.vhost)
        element = element_properties(tpl, values)
        assert element["inbound.type"] == TYPE
        context = InboundTestContext(element)
        consumer = running(consume, context)
        publish(rabbit, queue, [f'{{"auth": "{auth}"}}'.encode()])
        wait_for(lambda c=context: c.correlations, what="a correlation")
        consumer.stop()
        assert context.correlations[0].variables["message"]["body"] == {"auth": auth}


def test_a_message_arrives_with_camundas_variables_and_message_id(
    rabbit: RabbitMQ, running: Start
) -> None:
    queue = declare(rabbit)
    context = InboundTestContext(properties(rabbit, queue, consumerTag="hub-tag"))
    consumer = running(consume, context)
    publish(
        rabbit,
        queue,
        [b'{"order": 42, "items": ["tea"]}'],
        content_type="application/json",
        headers={"tenant": "acme", "attempt": 2, "flags": [b"a", True]},
        delivery_mode=2,
        timestamp=1_765_015_200,
        correlation_id="c-1",
    )
    (correlation,) = wait_for(lambda: context.correlations, what="the message")
    assert correlation.message_id == "m0"
    assert correlation.variables == {
        "message": {
            "consumerTag": "hub-tag",
            "body": {"order": 42, "items": ["tea"]},
            "properties": {
                "contentType": "application/json",
                "headers": {"tenant": "acme", "attempt": 2, "flags": ["a", True]},
                "deliveryMode": 2,
                "correlationId": "c-1",
                "messageId": "m0",
                "timestamp": "2025-12-06T10:00:00.000+00:00",
            },
        }
    }
    consumer.stop()  # a message not acknowledged by then goes back to the queue
    assert counts(rabbit, queue) == (0, 0)


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (b"plain text", "plain text"),
        (b"42", 42.0),
        (b" true", True),
        (b'"quoted"', "quoted"),
        (b"null", "null"),
        (b"123abc", "123abc"),
        (b'[1, {"a": null}] trailing', [1, {"a": None}]),
        (b"", ""),
    ],
)
def test_the_body_is_read_as_camundas_consumer_reads_it(body: bytes, value: Any) -> None:
    assert body_value(body) == value


def test_a_message_the_engine_did_not_accept_is_redelivered_and_acknowledged_later(
    rabbit: RabbitMQ, running: Start
) -> None:
    queue = declare(rabbit)
    refused_once: set[str] = set()

    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        if message_id == "m1" and message_id not in refused_once:
            refused_once.add(message_id)
            return CorrelationResult(CorrelationOutcome.ENGINE_ERROR, False, retryable=True)
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    context = InboundTestContext(properties(rabbit, queue), answer=answer)
    consumer = running(consume, context)
    publish(rabbit, queue, [b"a", b"b", b"c"])
    wait_for(lambda: len(context.correlations) == 4, what="four correlations")
    consumer.stop()
    ids = [c.message_id for c in context.correlations]
    assert sorted(ids) == ["m0", "m1", "m1", "m2"]
    assert [c.result.acknowledge for c in context.correlations if c.message_id == "m1"] == [
        False,
        True,
    ]
    assert counts(rabbit, queue) == (0, 0)  # all acknowledged, the consumer gone


def test_nothing_is_acknowledged_that_the_engine_did_not_accept(
    rabbit: RabbitMQ, running: Start
) -> None:
    queue = declare(rabbit)
    context = InboundTestContext(
        properties(rabbit, queue), activation=lambda variables: False
    )  # consumeUnmatchedEvents off: the runtime answers acknowledge=False
    consumer = running(consume, context)
    publish(rabbit, queue, [b"a", b"b"])
    wait_for(lambda: len(context.correlations) >= 4, what="redeliveries")
    consumer.stop()
    assert {c.result.outcome for c in context.correlations} == {
        CorrelationOutcome.ACTIVATION_CONDITION_NOT_MET
    }
    assert counts(rabbit, queue) == (2, 0)  # both still in the queue


def test_a_poison_message_does_not_stop_the_others(rabbit: RabbitMQ, running: Start) -> None:
    queue = declare(rabbit)

    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        if message_id == "m1":
            raise RuntimeError("the answer broke on this message")
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    context = InboundTestContext(properties(rabbit, queue), answer=answer)
    consumer = running(consume, context)
    publish(rabbit, queue, [b"a", b"poison", b"c", b"d"])
    wait_for(
        lambda: {"m0", "m2", "m3"} <= {c.message_id for c in context.correlations},
        what="the other messages",
    )
    wait_for(lambda: counts(rabbit, queue)[0] <= 1, what="acks")
    consumer.stop()
    assert consumer.errors == []
    assert any(
        severity == "ERROR" and "the answer broke on this message" in message
        for severity, message in context.activity
    )
    assert counts(rabbit, queue) == (1, 0)  # the poison message, left for redelivery


def test_stopping_ends_the_loop_and_closes_the_connection(rabbit: RabbitMQ, running: Start) -> None:
    queue = declare(rabbit)
    context = InboundTestContext(properties(rabbit, queue))
    consumer = running(consume, context)
    wait_for(lambda: context.health[0] == Health.UP, what="UP")
    assert counts(rabbit, queue)[1] == 1
    consumer.stop()
    assert counts(rabbit, queue)[1] == 0


def test_a_missing_queue_is_down_with_the_reason_then_up_when_it_appears(
    rabbit: RabbitMQ, running: Start
) -> None:
    queue = unique("later")
    context = InboundTestContext(properties(rabbit, queue))
    running(consume, context)
    health = wait_for(lambda: context.health[0] == Health.DOWN and context.health, what="DOWN")
    assert "404" in health[1] and queue in health[1]
    declare_named(rabbit, queue)
    wait_for(lambda: context.health[0] == Health.UP, what="UP after the queue appeared")
    publish(rabbit, queue, [b"hello"])
    wait_for(lambda: context.correlations, what="a message after recovery")


def declare_named(server: RabbitMQ, queue: str) -> None:
    with server.channel() as ch:
        ch.queue_declare(queue)
    server.declared.append((server.vhost, "queue", queue))


def test_a_refused_connection_is_down_with_the_reason_and_no_password(running: Start) -> None:
    port = _closed_port()
    context = InboundTestContext(
        {
            "authentication.authType": "uri",
            "authentication.uri": f"amqp://hub:Pw-never-shown@127.0.0.1:{port}/orders",
            "queueName": "orders",
        }
    )
    running(consume, context)
    health = wait_for(lambda: context.health[0] == Health.DOWN and context.health)
    assert "Connection refused" in health[1]
    assert all("Pw-never-shown" not in m for _, m in context.activity)
    assert "Pw-never-shown" not in health[1]


def test_the_network_door_applies_to_the_broker_connection(
    rabbit: RabbitMQ, running: Start
) -> None:
    context = InboundTestContext(properties(rabbit, "orders"), allow_hosts=["mq.example.com"])
    running(consume, context)
    health = wait_for(lambda: context.health[0] == Health.DOWN and context.health)
    assert "may not connect to 127.0.0.1" in health[1]


@pytest.mark.parametrize(
    ("values", "field"),
    [({"queueName": " "}, "queueName"), ({"authentication.uri": "http://x"}, "authentication.uri")],
)
def test_bad_input_names_the_field(values: dict[str, Any], field: str) -> None:
    element = {"authentication.authType": "uri", "authentication.uri": "amqp://h", **values}
    element.setdefault("queueName", "orders")
    context = InboundTestContext(element)
    with pytest.raises(Exception) as raised:
        consume.function(context.bind(consume.input), context)
    assert getattr(raised.value, "field", None) == field


def _closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_queue_deleted_under_the_consumer_is_down_then_up_when_it_is_back(
    rabbit: RabbitMQ, running: Start
) -> None:
    queue = declare(rabbit)
    context = InboundTestContext(properties(rabbit, queue))
    consumer = running(consume, context)
    wait_for(lambda: context.health[0] == Health.UP, what="UP")
    with rabbit.channel() as ch:
        ch.queue_delete(queue)
    wait_for(lambda: context.health[0] == Health.DOWN, what="DOWN after the delete")
    declare_named(rabbit, queue)
    wait_for(lambda: context.health[0] == Health.UP, what="UP again")
    publish(rabbit, queue, [b"after"])
    wait_for(lambda: context.correlations, what="a message after the queue came back")
    assert consumer.thread.is_alive()
