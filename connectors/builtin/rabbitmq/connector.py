"""`io.camunda:connector-rabbitmq:1`, Camunda's RabbitMQ producer (outbound), drop-in for every
version of its template: one connection per job, one message published to `routing.exchange`
with `routing.routingKey`, the result `{"statusResult": "success"}` (Camunda's RabbitMqFunction
and RabbitMqResult). docs/rabbitmq-connector.md lists where we differ."""

from __future__ import annotations

import logging
from typing import Any

import pika
import pika.exceptions as amqp
from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector

from . import connection, errors
from .message import basic_properties, body_bytes
from .model import Authentication, Message, RabbitMqInput, Routing

SUCCESS: JSON = {"statusResult": "success"}

# pika logs about twenty INFO lines for every connection it opens and closes, and a failed
# connection as a dozen ERROR lines with tracebacks. Every failure reaches the job's error
# (masked, with the broker's text); pika's own lines would repeat it unmasked (they name the
# virtual host, which may be a secret) and, one connection per job, bury the worker's log.
logging.getLogger("pika").setLevel(logging.CRITICAL)


@connector(
    type="io.camunda:connector-rabbitmq:1",
    name="RabbitMQ Producer",
    input=RabbitMqInput,
    description="Publish a message to a RabbitMQ exchange; runs Camunda's official RabbitMQ "
    "templates unchanged.",
    documentation_ref=(
        "https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/rabbitmq/"
        "?rabbitmq=outbound"
    ),
)
def rabbitmq(data: RabbitMqInput, context: ConnectorContext) -> JSON:
    """Publish the message and wait for the broker's confirm."""
    auth, routing, message = _required(data)
    # As Camunda: the properties and the body are checked before any connection is opened
    properties = basic_properties(message.properties)
    body = body_bytes(message.body)
    broker = connection.broker_of(auth, routing)
    exchange, key = routing.exchange or "", routing.routingKey or ""
    summary = f"publish to '{exchange}' with routing key '{key}', {len(body)} bytes"
    scheme = "amqps" if broker.tls else "amqp"
    if broker.tuning.ignored:
        context.logger.warning(
            "URI query parameters the RabbitMQ Java client ignores are ignored here too: %s",
            ", ".join(broker.tuning.ignored),
        )
    with context.network.exchange(scheme, broker.where, summary) as record:
        record.request_body = _request_text(properties, body)
        answer, tuned = _publish(broker, context, (exchange, key), properties, body)
        record.status, record.response_body = answer, f"{_ANSWERS[answer]}\n{tuned}"
        if answer == "unroutable":
            context.logger.warning(
                "The broker accepted the message but no queue is bound to exchange '%s' "
                "for routing key '%s': nobody will receive it",
                exchange,
                key,
            )
    return dict(SUCCESS)


_ANSWERS = {
    "confirmed": "basic.ack: the broker accepted the message",
    "unroutable": "basic.return 312 NO_ROUTE, then basic.ack: accepted, but no queue is bound "
    "for this routing key (Camunda's connector reports success here too)",
}


def _required(data: RabbitMqInput) -> tuple[Authentication, Routing, Message]:
    """Camunda's @NotNull/@NotBlank checks, each naming its field."""
    if data.authentication is None:
        raise ConnectorInputError("must not be null", field="authentication")
    if data.routing is None:
        raise ConnectorInputError("must not be null", field="routing")
    if data.message is None:
        raise ConnectorInputError("must not be null", field="message")
    for name in ("exchange", "routingKey"):
        value = getattr(data.routing, name) or ""
        if not value.strip():
            raise ConnectorInputError("must not be blank", field=f"routing.{name}")
        if len(value.encode()) > 255:  # an AMQP short string
            raise ConnectorInputError("must be at most 255 bytes", field=f"routing.{name}")
    return data.authentication, data.routing, data.message


def _publish(
    broker: connection.Broker,
    context: ConnectorContext,
    destination: tuple[str, str],
    properties: pika.BasicProperties | None,
    body: bytes,
) -> tuple[str, str]:
    """One connection, one channel in confirm mode, one mandatory publish: "confirmed", or
    "unroutable" when the broker returned it for want of a queue (and then confirmed it); and
    the connection's negotiated settings."""
    try:  # a refusal by the door (EgressDenied, an input error) goes up as it is
        opened = connection.connect(broker, context)
    except (OSError, amqp.AMQPError) as exc:
        raise errors.connect_failed(exc, broker) from None
    try:
        tuned = _tuned(opened)
        channel = opened.channel()
        channel.confirm_delivery()
        channel.basic_publish(*destination, body, properties, mandatory=True)
        return "confirmed", tuned
    except amqp.UnroutableError:
        return "unroutable", tuned
    except amqp.ShortStringTooLong:  # the exchange and key were checked: a header's name
        raise ConnectorInputError(
            "every header name must be at most 255 bytes", field="message.properties.headers"
        ) from None
    except (OSError, amqp.AMQPError) as exc:
        raise errors.publish_failed(exc) from None
    finally:
        _close(opened)


def _tuned(opened: pika.BlockingConnection) -> str:
    """The settings client and broker agreed on (connection.tune-ok), for the run page. pika
    keeps them only on its connection's parameters, behind the blocking wrapper."""
    params = opened._impl.params
    return (
        f"connection.tune-ok: heartbeat {params.heartbeat} s, channel_max "
        f"{params.channel_max}, frame_max {params.frame_max}"
    )


def _close(opened: pika.BlockingConnection) -> None:
    """Close quietly: the outcome is already decided (Java's try-with-resources close)."""
    try:
        if opened.is_open:
            opened.close()
    except (OSError, amqp.AMQPError):
        pass


def _request_text(properties: pika.BasicProperties | None, body: bytes) -> str:
    """What the run page shows as sent: the properties that are set, then the body."""
    shown: dict[str, Any] = {}
    if properties is not None:
        shown = {k: v for k, v in vars(properties).items() if v is not None}
    lines = [f"{name}: {value}" for name, value in shown.items()]
    text = body.decode(errors="replace")
    return "\n".join([*lines, "", text]) if lines else text
