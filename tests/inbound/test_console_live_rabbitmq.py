"""Live mode of the consumer console with a real RabbitMQ broker and the REST test engine: the
sample is published to the element's queue through the connector's own client code, the
running consumer (the supervisor `manage.py inbound_worker` runs) correlates it into the engine,
and the console's watch shows what it did; with no consumer running the console says so and
the message waits in the queue. A dry run publishes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.inbound import console_consumer
from connectors.inbound.consumers import ConsumerSupervisor
from connectors.inbound.discovery import discover
from connectors.models import InboundElement
from connectors.secrets.services import secret_create
from tests.consumers.conftest import unique, wait_for
from tests.inbound import console_live
from tests.inbound.conftest import Camunda
from tests.inbound.console_live import staff_client, supervisor, watch_url
from tests.inbound.processes import catch_event_process
from tests.inbound.test_console import step
from tests.services.rabbitmq import RabbitMQ

pytestmark = [
    pytest.mark.zeebe,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("rabbitmq"),
]

TYPE = "io.camunda:connector-rabbitmq-inbound:1"
__all__ = ["staff_client", "supervisor"]  # fixtures


@pytest.fixture
def rabbit(broker_session: RabbitMQ) -> Iterator[RabbitMQ]:
    yield broker_session
    broker_session.reset()


def counts(server: RabbitMQ, queue: str) -> tuple[int, int]:
    """(messages ready in QUEUE, its consumers)."""
    with server.channel() as ch:
        ok = ch.queue_declare(queue, passive=True).method
    return ok.message_count, ok.consumer_count


def deploy(camunda: Camunda, server: RabbitMQ) -> tuple[str, str]:
    """A queue and a catch event consuming it (the password as a secret); (queue, console)."""
    queue = unique("console")
    with server.channel() as ch:
        ch.queue_declare(queue)
    server.declared.append((server.vhost, "queue", queue))
    secret_create(name="RABBIT_CONSOLE_PW", value=server.password)
    properties = {
        "inbound.type": TYPE,
        "authentication.authType": "credentials",
        "authentication.userName": server.user,
        "authentication.password": "{{secrets.RABBIT_CONSOLE_PW}}",
        "routing.hostName": server.host,
        "routing.port": str(server.port),
        "routing.virtualHost": server.vhost,
        "queueName": queue,
        "correlationKeyExpression": "=message.body.orderId",
        "resultExpression": "={order: message.body.orderId, via: message.properties.appId}",
    }
    camunda.deploy("o.bpmn", catch_event_process("orders", "order-paid", {"wait": properties}))
    discover()
    pk = InboundElement.objects.get(element_id="wait").pk
    return queue, reverse("inbound-console", args=[pk])


def live(client: Client, url: str, body: str) -> Any:
    return console_live.live(client, url, body=body, properties='{"appId": "console"}')


def test_a_published_message_is_correlated_by_the_running_consumer_and_shown(
    camunda: Camunda, rabbit: RabbitMQ, staff_client: Client, supervisor: ConsumerSupervisor
) -> None:
    queue, url = deploy(camunda, rabbit)
    supervisor.refresh()
    wait_for(lambda: counts(rabbit, queue)[1] == 1, what="the consumer subscribed")

    page = live(staff_client, url, '{"orderId": "A1"}')
    assert page.status_code == 200
    state, text = step(page, "publish")
    assert state == "ok"
    assert f"published to queue '{queue}'" in text and "Consumers on the queue 1" in text

    shown = console_live.watched(staff_client, page)
    assert "The running consumer correlated the message: MESSAGE_PUBLISHED" in shown
    (message,) = camunda.engine.messages.received
    assert (message.name, message.correlation_key) == ("order-paid", "A1")
    assert message.variables == {"order": "A1", "via": "console"}
    wait_for(lambda: counts(rabbit, queue) == (0, 1), what="the message acknowledged")
    assert rabbit.password not in page.content.decode() + shown


def test_without_a_running_consumer_the_console_says_so_and_the_message_waits(
    camunda: Camunda,
    rabbit: RabbitMQ,
    staff_client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue, url = deploy(camunda, rabbit)
    dry = staff_client.post(url, {"body": '{"orderId": "A2"}'})
    assert step(dry, "fate")[0] == "ok"
    assert counts(rabbit, queue) == (0, 0)  # a dry run publishes nothing

    page = live(staff_client, url, '{"orderId": "A2"}')
    state, text = step(page, "publish")
    assert state == "bad"
    assert "no consumer is running for this element" in text
    monkeypatch.setattr(console_consumer, "WATCH_SECONDS", 0.0)
    fragment = staff_client.get(watch_url(page)).content.decode()
    assert 'data-state="bad"' in fragment and "hx-get" not in fragment  # the watch ends
    assert "No consumer correlated the message within 0 s" in fragment
    assert counts(rabbit, queue) == (1, 0)
    assert camunda.engine.messages.received == []


def test_a_queue_that_does_not_exist_is_not_published_to_and_says_so(
    camunda: Camunda, rabbit: RabbitMQ, staff_client: Client
) -> None:
    queue, url = deploy(camunda, rabbit)
    with rabbit.channel() as ch:
        ch.queue_delete(queue)
    page = live(staff_client, url, '{"orderId": "A3"}')
    state, text = step(page, "publish")
    assert state == "bad"
    assert f"not published: the queue '{queue}'" in text and "NOT_FOUND" in text
    assert "/watch/" not in page.content.decode()  # nothing to watch
    assert rabbit.password not in page.content.decode()
