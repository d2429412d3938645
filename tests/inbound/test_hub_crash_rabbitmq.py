"""Issue 22's crash acceptance for the RabbitMQ consumer through the hub's own inbound worker
(tests/inbound/hub_crash.py): 200 messages, one of them poison, the worker killed with SIGKILL
in the middle and started again; the broker's queue is empty at the end, and right after the
kill it still held (ready, or requeued from the dead connection) every message the engine had
not accepted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pika
import pytest
from cryptography.fernet import Fernet

from connectors.builtin.rabbitmq.inbound import TYPE
from connectors.secrets.services import secret_create
from tests.consumers.conftest import unique, wait_for
from tests.inbound.conftest import Camunda
from tests.inbound.hub_crash import (
    POISON_AT,
    Source,
    check,
    crash_through_hub,
    element_properties,
    message_variables,
)
from tests.services.rabbitmq import RabbitMQ

pytestmark = [
    pytest.mark.zeebe,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("rabbitmq"),
]


@pytest.fixture
def rabbit(broker_session: RabbitMQ) -> Iterator[RabbitMQ]:
    yield broker_session
    broker_session.reset()


def queue_state(server: RabbitMQ, queue: str) -> tuple[int, int]:
    """(messages ready in QUEUE, its consumers)."""
    with server.channel() as ch:
        ok = ch.queue_declare(queue, passive=True).method
    return ok.message_count, ok.consumer_count


def test_a_killed_hub_loses_nothing_and_correlates_each_message_once(
    camunda: Camunda, rabbit: RabbitMQ, tmp_path: Path, settings: Any
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = key = Fernet.generate_key().decode()
    secret_create(name="RABBIT_PASSWORD", value=rabbit.password)
    queue = unique("hubcrash")
    with rabbit.channel() as ch:
        ch.queue_declare(queue)
    rabbit.declared.append((rabbit.vhost, "queue", queue))
    published: list[str] = []

    def publish(numbers: range) -> set[str]:
        with rabbit.channel() as ch:
            for n in numbers:
                poison = n == POISON_AT
                body = b"<order>not json</order>" if poison else f'{{"n": {n}}}'.encode()
                ch.basic_publish("", queue, body, pika.BasicProperties(message_id=f"m{n}"))
                published.append(f"m{n}")
        return {f"m{n}" for n in numbers if n != POISON_AT}

    def acknowledged() -> int:
        # not counting what a live consumer holds unacknowledged: the harness waits for it
        return len(published) - queue_state(rabbit, queue)[0]

    def after_kill() -> None:
        # the dead connection's unacknowledged messages are requeued once the broker sees it go
        wait_for(lambda: queue_state(rabbit, queue)[1] == 0, what="the consumer gone")

    connector = {
        "inbound.type": TYPE,
        "authentication.authType": "credentials",
        "authentication.userName": rabbit.user,
        "authentication.password": "{{secrets.RABBIT_PASSWORD}}",
        "routing.hostName": rabbit.host,
        "routing.port": str(rabbit.port),
        "routing.virtualHost": rabbit.vhost,
        "queueName": queue,
    }
    source = Source(
        element_properties(connector, "=message.properties.messageId", "=message.body.n != null"),
        publish,
        acknowledged,
        after_kill=after_kill,
    )
    outcome = crash_through_hub(camunda, tmp_path, source, key)
    check(outcome, "rabbitmq", secret=rabbit.password)
    assert queue_state(rabbit, queue) == (0, 0)  # nothing came back after the clean stop
    first = message_variables(camunda)[0]["event"]["message"]
    assert (first["body"], first["properties"]["messageId"]) == ({"n": 0.0}, "m0")
