"""How each consumer turns a message into its event, for the test console: the sample message
built as the broker, the topic, the queue or the mailbox would hand it over, then passed to the
consumer's own mapping function (the one the running consumer calls), and what the consumer then
does with the message (the "Inbound" sections of docs/rabbitmq-connector.md,
kafka-connector.md, aws-connectors.md and email-connector.md).

Nothing here opens a connection: the live console's publishing is in console_publish.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import fastavro
import pika
from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.context import JSON

from connectors.builtin.aws import sqs_inbound
from connectors.builtin.email import inbound as email_inbound
from connectors.builtin.email import messages as email_messages
from connectors.builtin.kafka import inbound as kafka_inbound
from connectors.builtin.kafka import inbound_records as kafka_records
from connectors.builtin.kafka import inbound_values as kafka_values
from connectors.builtin.rabbitmq import inbound as rabbitmq_inbound
from connectors.inbound.context import HubInboundContext
from connectors.inbound.sample import SampleError
from connectors.inbound.sample_messages import MessageSample

# pika's BasicProperties arguments by the names Camunda's variables use (AMQPPropertyUtil)
AMQP_PROPERTIES = ("contentType", "contentEncoding", "headers", "deliveryMode", "priority",
                   "correlationId", "replyTo", "expiration", "messageId", "timestamp", "type",
                   "userId", "appId", "clusterId")  # fmt: skip
NUMERIC_PROPERTIES = ("deliveryMode", "priority", "timestamp")


@dataclass(frozen=True)
class Event:
    """What the consumer correlates: its VARIABLES and MESSAGE_ID, and ROWS (label, text) that
    say how the message was read."""

    variables: JSON
    message_id: str | None
    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class Flavour:
    """One consumer type in the console: the form's fields, its event, and FATE: what the
    consumer does with the message when the correlation was (True) or was not acknowledged."""

    label: str  # "RabbitMQ message"
    fields: tuple[str, ...]
    event: Callable[[HubInboundContext, MessageSample], Event]
    fate: Callable[[HubInboundContext, bool], str]


# -- RabbitMQ (RabbitMqConsumer) ---------------------------------------------------------------


def rabbitmq_properties(sample: MessageSample) -> pika.BasicProperties:
    """The sample's properties (Camunda's names) and header lines as AMQP properties."""
    given = dict(sample.properties)
    unknown = sorted(set(given) - set(AMQP_PROPERTIES))
    if unknown:
        raise SampleError(
            "properties", f"unknown AMQP property {unknown[0]}; one of {', '.join(AMQP_PROPERTIES)}"
        )
    for name in NUMERIC_PROPERTIES:
        if name in given and not isinstance(given[name], int):
            raise SampleError("properties", f"{name} must be a whole number")
    if "headers" in given and not isinstance(given["headers"], dict):
        raise SampleError("properties", "headers must be a JSON object")
    headers = {**given.pop("headers", {}), **dict(sample.headers)}
    if sample.message_id:
        given["messageId"] = sample.message_id
    arguments = {_snake(name): value for name, value in given.items()}
    return pika.BasicProperties(headers=headers or None, **arguments)


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _rabbitmq_event(context: HubInboundContext, sample: MessageSample) -> Event:
    data = context.bind(rabbitmq_inbound.RabbitMqInboundInput)
    properties = rabbitmq_properties(sample)
    tag = (data.consumerTag or "").strip() or "(a random UUID, chosen when the consumer starts)"
    variables = rabbitmq_inbound.variables(tag, properties, sample.body.encode())
    rows = [("Queue", (data.queueName or "").strip() or "(not set)"), ("Consumer tag", tag)]
    return Event(variables, properties.message_id, rows)


def _rabbitmq_fate(context: HubInboundContext, acknowledged: bool) -> str:
    if acknowledged:
        return "acknowledged (basic.ack): the message leaves the queue"
    return "rejected with requeue (basic.nack, requeue=true): the broker delivers it again"


# -- Kafka (KafkaConnectorConsumer) ------------------------------------------------------------


def _kafka_event(context: HubInboundContext, sample: MessageSample) -> Event:
    data = context.bind(kafka_records.KafkaInboundInput)
    topic = ((data.topic.topicName if data.topic else None) or "").strip() or "(topic)"
    try:
        decoding = kafka_records.decoder(data, context.network)
    except ConnectorInputError as exc:
        raise SampleError("the element", str(exc)) from None
    rows = [("Topic", topic), ("Partition, offset", "0, 0 (a dry run has no real offset)")]
    value: bytes | str = sample.body
    if isinstance(decoding, kafka_values.InlineAvro):
        value = _avro(decoding.schema, sample.body)
        rows.append(("Value", "Avro binary written with the element's inline schema"))
    elif isinstance(decoding, kafka_values.Registry):
        decoding = None  # the registry is not asked in a dry run: the typed JSON is the value
        rows.append(("Value", "schema registry: the typed value is taken as the decoded record"))
    headers = [(name, text.encode()) for name, text in sample.headers]
    key = sample.key.encode() if sample.key is not None else None
    try:
        variables = kafka_records.variables(key, value, headers, decoding)
    except (ValueError, TypeError) as exc:
        raise SampleError("value", f"cannot be read as the element reads it: {exc}") from None
    return Event(variables, f"{topic}-0-0", rows)


def _avro(schema: Any, text: str) -> bytes:
    value = _json_value(text, "value")
    out = io.BytesIO()
    try:
        fastavro.schemaless_writer(out, schema, value)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SampleError("value", f"does not fit the element's Avro schema: {exc}") from None
    return out.getvalue()


def _json_value(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SampleError(name, f"is not valid JSON ({exc})") from None


def _kafka_fate(context: HubInboundContext, acknowledged: bool) -> str:
    if acknowledged:
        return "offset committed: the record is done"
    return (
        "not committed: the record is kept aside and tried again (1 s, doubling up to 30 s); "
        "the committed offset stays before it, so a restart reads it again"
    )


# -- Amazon SQS (SqsQueueConsumer, MessageMapper) ----------------------------------------------


def sqs_message(sample: MessageSample) -> dict[str, Any]:
    """The message as ReceiveMessage returns it: header lines as String message attributes,
    the properties as system attributes."""
    attributes = {name: str(value) for name, value in sample.properties.items()}
    return {
        "MessageId": sample.message_id or str(uuid.uuid4()),
        "ReceiptHandle": "(given by SQS when the message is received)",
        "MD5OfBody": hashlib.md5(sample.body.encode(), usedforsecurity=False).hexdigest(),
        "Body": sample.body,
        "Attributes": attributes,
        "MessageAttributes": {
            name: {"StringValue": value, "DataType": "String"} for name, value in sample.headers
        },
    }


def _sqs_event(context: HubInboundContext, sample: MessageSample) -> Event:
    data = context.bind(sqs_inbound.SqsInboundInput)
    message = sqs_message(sample)
    url = ((data.queue.url if data.queue else None) or "").strip() or "(not set)"
    return Event(sqs_inbound.variables(message), message["MessageId"], [("Queue URL", url)])


def _sqs_fate(context: HubInboundContext, acknowledged: bool) -> str:
    if acknowledged:
        return "deleted from the queue (DeleteMessage)"
    return "left in the queue: SQS delivers it again after its visibility timeout"


# -- email (EmailConnectorExecutable, PollingManager) ------------------------------------------


def email_message(sample: MessageSample) -> EmailMessage:
    """The sample as a MIME message, with one attachment when a file name is given."""
    message = EmailMessage()
    message["From"] = sample.sender or "sender@example.com"
    message["To"] = "listener@example.com"
    message["Subject"] = sample.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = sample.message_id or make_msgid(domain="console.connectorhub")
    message.set_content(sample.body)
    if sample.attachment_name:
        kind = mimetypes.guess_type(sample.attachment_name)[0] or "application/octet-stream"
        main, sub = kind.split("/", 1)
        message.add_attachment(
            sample.attachment_text.encode(), maintype=main, subtype=sub,
            filename=sample.attachment_name,
        )  # fmt: skip
    elif sample.attachment_text:
        raise SampleError("attachment name", "give the attachment a file name")
    return message


def _email_event(context: HubInboundContext, sample: MessageSample) -> Event:
    message = email_message(sample)
    size = len(message.as_bytes())
    variables = email_messages.read_response(message, size, datetime.now(UTC), context.documents)
    folder = _listener(context).folderToListen or "INBOX"
    rows = [("Folder", str(folder)), ("Message-ID", str(message["Message-ID"]))]
    return Event(variables, message["Message-ID"], rows)


def _listener(context: HubInboundContext) -> email_inbound.EmailListenerConfig:
    data = context.bind(email_inbound.EmailInboundInput)
    return data.data or email_inbound.EmailListenerConfig()


def _email_fate(context: HubInboundContext, acknowledged: bool) -> str:
    listener = _listener(context)
    unseen = listener.pollingConfigDiscriminator == "unseenPollingConfig"
    polling = listener.pollingConfig or email_inbound.PollingConfig()
    strategy = polling.handlingStrategy or ("READ" if unseen else "DELETE")
    if not acknowledged:
        left = "stays unseen" if unseen else "stays in the folder"
        return f"{left}: the next poll offers it again"
    if strategy == "READ":
        return "flagged \\Seen (READ): the next poll of unseen messages skips it"
    if strategy == "DELETE":
        return "flagged \\Deleted and expunged (DELETE)"
    return f"flagged \\Seen and moved to '{polling.targetFolder}' (MOVE)"


FLAVOURS: dict[str, Flavour] = {
    rabbitmq_inbound.TYPE: Flavour(
        "RabbitMQ message",
        ("body", "properties", "headers", "message_id"),
        _rabbitmq_event,
        _rabbitmq_fate,
    ),
    kafka_inbound.TYPE: Flavour(
        "Kafka record", ("key", "body", "headers"), _kafka_event, _kafka_fate
    ),
    sqs_inbound.TYPE: Flavour(
        "SQS message", ("body", "headers", "properties", "message_id"), _sqs_event, _sqs_fate
    ),
    email_inbound.TYPE: Flavour(
        "email",
        ("sender", "subject", "body", "attachment_name", "attachment_text", "message_id"),
        _email_event,
        _email_fate,
    ),
}
