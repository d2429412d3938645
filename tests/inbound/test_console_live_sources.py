"""Live mode of the consumer console for SQS (moto), email (GreenMail) and Kafka, with the REST
test engine: the sample is published with the connector's own client code (SendMessage, IMAP
APPEND to the listened folder, the Kafka producer), the running consumer correlates it, and the
console's watch shows what it did. One test per server, each in its server's xdist group."""

from __future__ import annotations

import html
import re
import smtplib
import uuid
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from confluent_kafka.admin import AdminClient
from django.test import Client
from django.urls import reverse

from connectors.inbound import context as inbound_context
from connectors.inbound.consumers import ConsumerSupervisor
from connectors.inbound.discovery import discover
from connectors.models import InboundElement
from tests.consumers.conftest import unique, wait_for
from tests.inbound.conftest import Camunda
from tests.inbound.console_live import consuming, live, staff_client, supervisor, watched
from tests.inbound.processes import catch_event_process
from tests.inbound.test_console import step
from tests.kafka.conftest import QUIET, create_topic

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db(transaction=True)]
__all__ = ["staff_client", "supervisor"]  # fixtures


def deploy(camunda: Camunda, properties: dict[str, str]) -> str:
    camunda.deploy("o.bpmn", catch_event_process("orders", "order-paid", {"wait": properties}))
    discover()
    return reverse("inbound-console", args=[InboundElement.objects.get(element_id="wait").pk])


@pytest.mark.xdist_group("moto")
def test_sqs_a_sent_message_is_correlated_and_deleted(
    camunda: Camunda, moto: Any, staff_client: Client, supervisor: ConsumerSupervisor
) -> None:
    sqs = boto3.client("sqs", region_name=moto.region, endpoint_url=moto.endpoint,
                       aws_access_key_id=moto.access_key,
                       aws_secret_access_key=moto.secret_key)  # fmt: skip
    queue = sqs.create_queue(QueueName=unique("console"))["QueueUrl"]
    url = deploy(camunda, {
        "inbound.type": "io.camunda:aws-sqs-inbound:1", "authentication.type": "credentials",
        "authentication.accessKey": moto.access_key, "authentication.secretKey": moto.secret_key,
        "configuration.region": moto.region, "configuration.endpoint": moto.endpoint,
        "queue.url": queue, "queue.pollingWaitTime": "1",
        "correlationKeyExpression": "=body.orderId",
        "resultExpression": "={order: body.orderId, kind: messageAttributes.kind.stringValue}",
    })  # fmt: skip
    consuming(supervisor)
    page = live(staff_client, url, body='{"orderId": "S1"}', headers="kind: paid")
    state, text = step(page, "publish")
    assert state == "ok" and f"sent to {queue}" in text
    assert "MESSAGE_PUBLISHED" in watched(staff_client, page)
    (message,) = camunda.engine.messages.received
    assert (message.correlation_key, message.variables) == ("S1", {"order": "S1", "kind": "paid"})
    attributes = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    left = lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=attributes)  # noqa: E731
    wait_for(lambda: all(v == "0" for v in left()["Attributes"].values()), what="deleted")


@pytest.mark.xdist_group("greenmail")
def test_email_an_appended_message_is_correlated_by_the_listening_consumer(
    camunda: Camunda, mail_server: Any, staff_client: Client, supervisor: ConsumerSupervisor
) -> None:
    address = f"u{uuid.uuid4().hex[:8]}@example.org"  # GreenMail makes it on first delivery
    first = EmailMessage()
    first["From"], first["To"], first["Subject"] = "shop@example.com", address, "warm-up"
    first.set_content("the mailbox exists once this arrived")
    with smtplib.SMTP(mail_server.host, mail_server.smtp) as smtp:
        smtp.send_message(first)
    url = deploy(camunda, {
        "inbound.type": "io.camunda:connector-email-inbound:1",
        "authentication.type": "simple", "authentication.username": address,
        "authentication.password": address, "data.imapConfig.imapHost": mail_server.host,
        "data.imapConfig.imapPort": str(mail_server.imap),
        "data.imapConfig.imapCryptographicProtocol": "NONE", "data.pollingWaitTime": "PT1S",
        "correlationKeyExpression": "=subject", "resultExpression": "={from: fromAddress}",
    })  # fmt: skip
    consuming(supervisor)
    # the warm-up's line may come after the publication (a consumer's routine lines are written
    # in batches): the watch answers with the line that names the appended message's Message-ID
    page = live(staff_client, url, sender="buyer@example.com", subject="E1", body="paid")
    state, text = step(page, "publish")
    assert state == "ok" and "appended to INBOX as an unseen message" in text
    message_id = re.search(r"Message-ID (<[^>]+>)", text)
    assert "MESSAGE_PUBLISHED" in (shown := watched(staff_client, page))
    assert message_id is not None, text
    assert answer(shown).endswith(f"(message id {message_id.group(1)})")
    message = camunda.engine.messages.received[-1]
    assert (message.correlation_key, message.variables) == ("E1", {"from": "buyer@example.com"})


def kafka_element(camunda: Camunda, kafka_server: Any) -> tuple[str, str]:
    """A new topic and a deployed Kafka consumer element on it: (topic, console URL)."""
    admin = AdminClient({"bootstrap.servers": kafka_server.bootstrap, "logger": QUIET})
    kafka_topic = create_topic(admin, unique("console"))
    url = deploy(camunda, {
        "inbound.type": "io.camunda:connector-kafka-inbound:1",
        "topic.bootstrapServers": kafka_server.bootstrap, "topic.topicName": kafka_topic,
        "groupId": f"group-{kafka_topic}", "autoOffsetReset": "earliest",
        "correlationKeyExpression": "=key", "resultExpression": "={order: value.orderId}",
    })  # fmt: skip
    return kafka_topic, url


@pytest.mark.xdist_group("kafka")
def test_kafka_a_produced_record_is_correlated_by_the_running_consumer(
    camunda: Camunda,
    kafka_server: Any,
    staff_client: Client,
    supervisor: ConsumerSupervisor,
) -> None:
    kafka_topic, url = kafka_element(camunda, kafka_server)
    consuming(supervisor)
    page = live(staff_client, url, key="K1", body='{"orderId": "K1"}')
    state, text = step(page, "publish")
    assert state == "ok" and f"produced to topic '{kafka_topic}' as {kafka_topic}-0-" in text
    assert "MESSAGE_PUBLISHED" in watched(staff_client, page)
    (message,) = camunda.engine.messages.received
    assert (message.correlation_key, message.variables) == ("K1", {"order": "K1"})


@pytest.mark.xdist_group("kafka")
def test_kafka_the_watch_answers_with_the_published_records_line_not_an_earlier_ones(
    camunda: Camunda,
    kafka_server: Any,
    staff_client: Client,
    supervisor: ConsumerSupervisor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a busy consumer's routine lines are held for a batch, so the line of a record consumed
    # before the publication can be written after it: the watch must not take that one
    monkeypatch.setattr(inbound_context, "ACTIVITY_BATCH_SECONDS", 3.0)
    kafka_topic, url = kafka_element(camunda, kafka_server)
    consuming(supervisor)
    live(staff_client, url, key="K1", body='{"orderId": "K1"}')
    wait_for(lambda: len(camunda.engine.messages.received) == 1, what="the first record")
    second = live(staff_client, url, key="K2", body='{"orderId": "K2"}')
    shown = watched(staff_client, second)
    assert answer(shown).endswith(f"(message id {kafka_topic}-0-1)"), shown
    assert [m.correlation_key for m in camunda.engine.messages.received] == ["K1", "K2"]


def answer(fragment: str) -> str:
    """The watch's answer: the correlation line it took as the published message's."""
    found = re.search(r"correlated the message: ([^<]*)</p>", fragment)
    assert found is not None, fragment
    return html.unescape(found.group(1)).strip()
