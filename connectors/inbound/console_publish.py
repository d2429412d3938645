"""The live test console of consumer elements: the sample message published to the element's
queue, topic or mailbox with the connector's own client code, through the executable's network
door (the running consumer's egress policy, per-secret host rules and resolved secrets).

Each publisher says what it did and, where the protocol can tell, whether a consumer is
subscribed (RabbitMQ's queue declare answers with the consumer count); the console then watches
the element's activity log for what the running consumer did with it.
"""

from __future__ import annotations

import imaplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pika.exceptions as amqp
from connectorhub_sdk import ConnectorError, ConnectorInputError

from connectors.builtin.aws import base as aws_base
from connectors.builtin.aws import door as aws_door
from connectors.builtin.aws import errors as aws_errors
from connectors.builtin.aws import sqs_inbound
from connectors.builtin.email import imap
from connectors.builtin.email import inbound as email_inbound
from connectors.builtin.email.errors import MailError
from connectors.builtin.email.model import Authentication
from connectors.builtin.kafka import inbound as kafka_inbound
from connectors.builtin.kafka import inbound_records as kafka_records
from connectors.builtin.kafka import producer as kafka_producer
from connectors.builtin.kafka import properties as kafka_properties
from connectors.builtin.rabbitmq import connection as rabbit_connection
from connectors.builtin.rabbitmq import errors as rabbit_errors
from connectors.builtin.rabbitmq import inbound as rabbitmq_inbound
from connectors.builtin.rabbitmq.model import Routing
from connectors.inbound.console_events import email_message, rabbitmq_properties, sqs_message
from connectors.inbound.context import HubInboundContext
from connectors.inbound.sample_messages import MessageSample

CONNECT_SECONDS = 10.0


class PublishFailed(Exception):
    """The message could not be published; the text says why (no secret: it is redacted)."""


@dataclass(frozen=True)
class Published:
    """What the publisher did: SUMMARY, ROWS (label, text), SUBSCRIBED: how many consumers
    the source says are reading (None: the protocol cannot tell), and MESSAGE_ID: the id the
    consumer will give the message (None: the message has none), which its activity line
    names."""

    summary: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    subscribed: int | None = None
    message_id: str | None = None


def publish(inbound_type: str, context: HubInboundContext, sample: MessageSample) -> Published:
    """SAMPLE to the source of CONTEXT's element; PublishFailed (redacted) when it cannot be."""
    publisher = PUBLISHERS.get(inbound_type)
    if publisher is None:
        raise PublishFailed(f"live mode cannot publish for {inbound_type}")
    try:
        return publisher(context, sample)
    except PublishFailed as exc:
        raise PublishFailed(context.redactor.redact_text(str(exc))) from None
    except (ConnectorError, ConnectorInputError, MailError, OSError, ValueError) as exc:
        where = f" ({exc.field})" if isinstance(exc, ConnectorInputError) and exc.field else ""
        text = f"{type(exc).__name__}{where}: {exc}"
        raise PublishFailed(context.redactor.redact_text(text)) from None


# -- RabbitMQ: basicPublish to the default exchange, routed by the queue's name ----------------


def _rabbitmq(context: HubInboundContext, sample: MessageSample) -> Published:
    data = context.bind(rabbitmq_inbound.RabbitMqInboundInput)
    queue = rabbitmq_inbound.checked_queue(data)
    assert data.authentication is not None  # checked_queue refused the element otherwise
    broker = rabbit_connection.broker_of(data.authentication, data.routing or Routing())
    properties = rabbitmq_properties(sample)
    try:
        opened = rabbit_connection.connect_through(broker, context.network, CONNECT_SECONDS)
    except (OSError, amqp.AMQPError) as exc:
        raise PublishFailed(str(rabbit_errors.connect_failed(exc, broker))) from None
    try:
        channel = opened.channel()
        try:
            declared = channel.queue_declare(queue, passive=True).method
        except amqp.ChannelClosedByBroker as exc:
            problem = f"the queue '{queue}' on {broker.where}: {exc.reply_text}"
            raise PublishFailed(problem) from None
        channel.confirm_delivery()  # the broker confirms it took the message
        channel.basic_publish("", queue, sample.body.encode(), properties, mandatory=True)
    except amqp.AMQPError as exc:
        raise PublishFailed(f"the broker refused the message: {exc}") from None
    finally:
        if opened.is_open:
            opened.close()
    rows = [("Broker", broker.where), ("Queue", queue),
            ("Consumers on the queue", str(declared.consumer_count))]  # fmt: skip
    summary = f"published to queue '{queue}' on {broker.where} (confirmed by the broker)"
    return Published(summary, rows, declared.consumer_count, properties.message_id)


# -- Kafka: the outbound connector's producer ---------------------------------------------------


def _kafka(context: HubInboundContext, sample: MessageSample) -> Published:
    data = context.bind(kafka_records.KafkaInboundInput)
    bootstrap, field_name, username, password = kafka_records.connection(data)
    topic = ((data.topic.topicName if data.topic else None) or "").strip()
    if not topic:
        raise ConnectorInputError("must not be empty", field="topic.topicName")
    extra = {
        name: value
        for name, value in (data.additionalProperties or {}).items()
        if name not in kafka_records.CONSUMER_SAME | kafka_records.CONSUMER_IGNORED
    }
    settings = kafka_properties.assemble(bootstrap, username, password, extra)
    wanted = kafka_producer.servers(bootstrap, field_name)
    settings.config["bootstrap.servers"] = kafka_producer.vetted_bootstrap(
        wanted, settings.tls, context.connection
    )
    key = sample.key.encode() if sample.key is not None else None
    headers = [(name, value.encode()) for name, value in sample.headers]
    record = kafka_producer.Record(topic, key, sample.body.encode(), headers)
    with kafka_producer.Send(settings, context.connection) as send:
        answer = send.run(record)
    rows = [("Topic", topic), ("Partition", str(answer["partition"])),
            ("Offset", str(answer["offset"]))]  # fmt: skip
    where = f"{topic}-{answer['partition']}-{answer['offset']}"
    return Published(f"produced to topic '{topic}' as {where}", rows, message_id=where)


# -- Amazon SQS: SendMessage ---------------------------------------------------------------------


def _sqs(context: HubInboundContext, sample: MessageSample) -> Published:
    data = context.bind(sqs_inbound.SqsInboundInput)
    queue = data.queue or sqs_inbound.SqsInboundQueue()
    url = (queue.url or "").strip()
    if not url:
        raise ConnectorInputError("must not be blank", field="queue.url")
    target = aws_base.target(data, "sqs", context.connection, region=queue.region)
    message = sqs_message(sample)
    request = {"QueueUrl": url, "MessageBody": sample.body,
               "MessageAttributes": message["MessageAttributes"]}  # fmt: skip
    if not request["MessageAttributes"]:
        del request["MessageAttributes"]
    client = aws_base.client_for(target)
    with aws_door.calling(context.connection):
        try:
            answer = client.send_message(**request)
        except Exception as exc:  # botocore's errors: mapped as the connector maps them
            raise PublishFailed(str(aws_errors.mapped(exc, "sqs", target.where))) from None
    message_id = answer.get("MessageId")
    rows = [("Queue URL", url), ("Message id (given by SQS)", str(message_id))]
    return Published(f"sent to {url}", rows, message_id=message_id)


# -- email: IMAP APPEND to the folder the element listens to ------------------------------------


def _email(context: HubInboundContext, sample: MessageSample) -> Published:
    data = context.bind(email_inbound.EmailInboundInput)
    listener = data.data or email_inbound.EmailListenerConfig()
    if listener.imapConfig is None:
        raise ConnectorInputError("must not be null", field="data.imapConfig")
    auth = data.authentication or Authentication()
    message = email_message(sample)
    # the consumer's own connection (door, TLS, login); imap's helpers are the connector's
    client = email_inbound._connect(listener.imapConfig, auth, context)
    try:
        folder = imap._folder(client, listener.folderToListen)
        moment = imaplib.Time2Internaldate(datetime.now(UTC).timestamp())
        status, answer = client.append(imap._quote(folder), "", moment, message.as_bytes())
    except imaplib.IMAP4.error as exc:
        raise PublishFailed(f"the IMAP server refused the message: {imap._text(exc)}") from None
    finally:
        imap._logout(client)
    if status != "OK":
        raise PublishFailed(f"the IMAP server refused the message: {imap._text(answer)}")
    rows = [("Server", listener.imapConfig.imapHost), ("Folder", folder),
            ("Message-ID", str(message["Message-ID"]))]  # fmt: skip
    message_id = message["Message-ID"]
    return Published(f"appended to {folder} as an unseen message", rows, message_id=message_id)


Publisher = Callable[[HubInboundContext, MessageSample], Published]
PUBLISHERS: dict[str, Publisher] = {
    rabbitmq_inbound.TYPE: _rabbitmq,
    kafka_inbound.TYPE: _kafka,
    sqs_inbound.TYPE: _sqs,
    email_inbound.TYPE: _email,
}
