"""`io.camunda:connector-rabbitmq-inbound:1`, Camunda's RabbitMQ consumer, drop-in for every
version of its start, message start, intermediate, boundary and receive templates.

Follows RabbitMqExecutable (one connection through the network door, a channel, basicConsume
with manual acknowledgement, the consumer tag as given or a random UUID, `exclusive` and
`arguments`) and RabbitMqConsumer (the variables `{message: {consumerTag, body, properties}}`,
the message id from the AMQP `messageId` property, ack after a successful correlation).

Where we differ (docs/rabbitmq-connector.md, "Inbound"): a message the engine did not accept is
always rejected WITH requeue, also when Camunda's rule would drop it (a non-retryable failure
such as an unmet activation condition without `consumeUnmatchedEvents`): the hub acknowledges
only what the engine accepted. A lost connection is reopened with back-off (health DOWN, then UP)
as the Java client's automatic recovery does.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pika
import pika.exceptions as amqp
from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.inbound import Health, InboundContext, consumer
from connectorhub_sdk.types import FeelMap, Flag, Text
from pydantic import BaseModel, ConfigDict, Field

from connectors.builtin.consuming import Backoff, deliver, keep_consuming

from . import connection, errors
from .model import Authentication, Routing

TYPE = "io.camunda:connector-rabbitmq-inbound:1"
PREFETCH = 64  # unacknowledged deliveries the broker sends ahead (Java's default: unlimited)
POLL_SECONDS = 0.25  # how often the loop looks at `stopping` while the queue is idle
REDELIVERY_PAUSE = 0.05  # before a requeue, so that one refused message cannot spin the CPU
HEARTBEAT = 30  # seconds; a dead broker is noticed within two of them

# As in connector.py: pika's INFO and ERROR lines repeat, unmasked, what the health and the
# activity log already say (they name the virtual host, which may be a secret)
logging.getLogger("pika").setLevel(logging.CRITICAL)


class RabbitMqInboundInput(BaseModel):
    """Camunda's RabbitMqInboundProperties; every field optional here so that a missing one
    gets a message naming it."""

    model_config = ConfigDict(extra="ignore")
    authentication: Authentication | None = None
    routing: Routing | None = None
    queueName: Text | None = Field(default=None, title="Queue name")
    consumerTag: Text | None = Field(default=None, title="Consumer tag")
    arguments: FeelMap = Field(default=None, description="x-arguments of the subscription")
    exclusive: Flag = False


def checked_queue(data: RabbitMqInboundInput) -> str:
    """DATA's queue name; ConnectorInputError naming the field when the element lacks its
    authentication or queue (the consumer and the test console's publisher both need them)."""
    if data.authentication is None:
        raise ConnectorInputError("must not be null", field="authentication")
    queue = (data.queueName or "").strip()
    if not queue:
        raise ConnectorInputError("must not be blank", field="queueName")
    return queue


@consumer(
    type=TYPE,
    name="RabbitMQ Consumer",
    input=RabbitMqInboundInput,
    description="Start or continue a process for each message of a RabbitMQ queue; runs "
    "Camunda's official RabbitMQ inbound templates unchanged.",
)
def consume(data: RabbitMqInboundInput, context: InboundContext) -> None:
    """Consume QUEUE until the element is deactivated; acknowledge only accepted messages."""
    queue = checked_queue(data)
    assert data.authentication is not None  # checked_queue refused the element otherwise
    broker = connection.broker_of(data.authentication, data.routing or Routing())
    tag = (data.consumerTag or "").strip() or str(uuid.uuid4())
    context.log(f"Subscription requested for queue {queue} on {broker.where}", tag="CONSUMER")

    def session(backoff: Backoff) -> None:
        _session(context, broker, queue, tag, data, backoff)

    keep_consuming(context, session, _describe)


def _session(
    context: InboundContext,
    broker: connection.Broker,
    queue: str,
    tag: str,
    data: RabbitMqInboundInput,
    backoff: Backoff,
) -> None:
    """One connection: consume until stopping (then cancel and close), or raise on a failure."""
    try:
        opened = connection.connect_through(broker, context.network, heartbeat=HEARTBEAT)
    except (OSError, amqp.AMQPError) as exc:
        raise errors.connect_failed(exc, broker) from None
    try:
        channel = opened.channel()
        channel.basic_qos(prefetch_count=PREFETCH)
        deliveries = channel.consume(
            queue,
            auto_ack=False,
            exclusive=data.exclusive,
            arguments=data.arguments or None,
            inactivity_timeout=POLL_SECONDS,
            consumer_tag=tag,
        )
        up = False
        for method, properties, body in deliveries:  # the first one: basicConsume answered
            if context.stopping.is_set():
                break
            if not up:
                up = True
                backoff.reset()
                context.report_health(Health.UP, f"consuming queue '{queue}' on {broker.where}")
                context.log(f"Activated subscription for queue: {queue}", tag="CONSUMER")
            if method is not None:
                _handle(context, channel, method, properties, body)
        channel.cancel()  # what the broker sent ahead goes back to the queue
    finally:
        _close(opened)


def _handle(
    context: InboundContext,
    channel: Any,
    method: pika.spec.Basic.Deliver,
    properties: pika.BasicProperties,
    body: bytes,
) -> None:
    """Correlate one delivery; ack it when the engine accepted it, else requeue it."""
    what = f"AMQP message with delivery tag {method.delivery_tag}"
    if deliver(
        context,
        what,
        lambda: variables(method.consumer_tag, properties, body),
        properties.message_id,
    ):
        channel.basic_ack(method.delivery_tag)
        return
    context.stopping.wait(REDELIVERY_PAUSE)
    channel.basic_nack(method.delivery_tag, requeue=True)


def variables(consumer_tag: str, properties: pika.BasicProperties, body: bytes) -> dict[str, Any]:
    """RabbitMqInboundResult: `{message: {consumerTag, body, properties}}`."""
    return {
        "message": {
            "consumerTag": consumer_tag,
            "body": body_value(body),
            "properties": message_properties(properties),
        }
    }


def body_value(body: bytes) -> Any:
    """RabbitMqConsumer#prepareVariables: UTF-8 text; when it is JSON, the JSON value, a
    number as a double (Jackson's asDouble), `null` as the text "null" (asText); else the
    text as it is."""
    text = body.decode("utf-8", errors="replace")
    try:
        value, end = _DECODER.raw_decode(text.lstrip())
    except ValueError:
        return text
    rest = text.lstrip()[end:]
    if isinstance(value, dict | list):
        return value  # Jackson reads the first value and ignores what follows
    if rest and not rest[0].isspace():
        return text  # `123abc`: Jackson refuses the token
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(name)


_DECODER = json.JSONDecoder(parse_constant=_no_constant)  # built once: it is not cheap


# AMQP.BasicProperties as RabbitMqMessageProperties names them (null ones left out)
_NAMES = {
    "contentType": "content_type",
    "contentEncoding": "content_encoding",
    "headers": "headers",
    "deliveryMode": "delivery_mode",
    "priority": "priority",
    "correlationId": "correlation_id",
    "replyTo": "reply_to",
    "expiration": "expiration",
    "messageId": "message_id",
    "timestamp": "timestamp",
    "type": "type",
    "userId": "user_id",
    "appId": "app_id",
    "clusterId": "cluster_id",
}


def message_properties(properties: pika.BasicProperties) -> dict[str, Any]:
    """AMQPPropertyUtil#toProperties: the set properties; header long strings as text; the
    timestamp as Camunda's mapper writes a java.util.Date (ISO-8601, milliseconds, UTC)."""
    shown: dict[str, Any] = {}
    for name, attribute in _NAMES.items():
        value = getattr(properties, attribute, None)
        if value is None:
            continue
        if name == "headers":
            value = {str(k): _header(v) for k, v in value.items()}
        elif name == "timestamp":
            moment = datetime.fromtimestamp(int(value), UTC)
            value = moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
        shown[name] = value
    return shown


def _header(value: Any) -> Any:
    """A field-table value as JSON: text, numbers, booleans, lists and tables as they are."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, list):
        return [_header(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _header(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or UTC).isoformat()
    return value


def _describe(exc: BaseException) -> str:
    """The reason shown with health DOWN: the broker's or the socket's, never a password."""
    if isinstance(exc, errors.BrokerError | ConnectorInputError):
        return str(exc)
    if isinstance(exc, amqp.ChannelClosed | amqp.ConnectionClosed):
        hard = isinstance(exc, amqp.ConnectionClosed)
        kind = "connection" if hard else "channel"
        return f"{kind} closed by the broker: {exc.reply_code} {exc.reply_text}"
    if isinstance(exc, amqp.StreamLostError | OSError):
        return f"connection to the broker lost ({exc})"
    return f"{type(exc).__name__}: {exc}"


def _close(opened: pika.BlockingConnection) -> None:
    try:
        if opened.is_open:
            opened.close()
    except (OSError, amqp.AMQPError):
        pass
