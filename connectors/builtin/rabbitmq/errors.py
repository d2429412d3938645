"""Failures as Camunda's RabbitMQ connector reports them.

Camunda's connector lets the RabbitMQ Java client's exceptions through, so a job's `error.type`
is the Java class (`java.net.ConnectException`,
`com.rabbitmq.client.AuthenticationFailureException`, `java.io.IOException` for a broker's
refusal), there is no `error.code`, and the job fails with retries - 1. `BrokerError` carries
the same type and Java's text, with the broker's address added where Java gives none, so error
expressions written against Camunda's connector match here. Neither the password nor the URI
is ever part of a message.
"""

from __future__ import annotations

import re
import socket
import ssl

import pika.exceptions as amqp

from .connection import Broker

# AMQP method ids Java prints in a ShutdownSignalException: connection.open, basic.publish
CONNECTION_OPEN = (10, 40)
BASIC_PUBLISH = (60, 40)


class BrokerError(RuntimeError):
    """A RabbitMQ failure; `java_type` is what `error.type` reads."""

    def __init__(self, java_type: str, message: str) -> None:
        super().__init__(message)
        self.java_type = java_type


def shutdown_text(hard: bool, code: int, text: str, method: tuple[int, int]) -> str:
    """ShutdownSignalException's message: a connection or channel closed by the broker."""
    kind = "connection" if hard else "channel"
    return (
        f"{kind} error; protocol method: #method<{kind}.close>(reply-code={code}, "
        f"reply-text={text}, class-id={method[0]}, method-id={method[1]})"
    )


def _reply(exc: BaseException) -> tuple[int, str]:
    """The broker's reply code and text, from pika's exception or the text it wraps."""
    if isinstance(exc, amqp.ConnectionClosed | amqp.ChannelClosed):
        return exc.reply_code, exc.reply_text
    match = re.search(r"\((\d+)\) ['\"](.*)['\"]", str(exc))
    return (int(match.group(1)), match.group(2)) if match else (0, str(exc))


def _socket_error(exc: OSError, broker: Broker) -> BrokerError:
    """The java.net exception Java raises for the same socket failure."""
    where = f"{broker.host}:{broker.port}"
    if isinstance(exc, ssl.SSLError):  # the certificate, or TLS against a plain AMQP port
        return BrokerError("javax.net.ssl.SSLHandshakeException", f"{exc.reason or exc} ({where})")
    if isinstance(exc, socket.gaierror) or type(exc).__name__ == "HostNotResolved":
        return BrokerError("java.net.UnknownHostException", f"{broker.host}: {exc.strerror or exc}")
    if isinstance(exc, ConnectionRefusedError):
        return BrokerError("java.net.ConnectException", f"Connection refused ({where})")
    if isinstance(exc, TimeoutError | socket.timeout):
        return BrokerError("java.net.SocketTimeoutException", f"Connect timed out ({where})")
    return BrokerError("java.net.SocketException", f"{exc} ({where})")


def connect_failed(exc: BaseException, broker: Broker) -> BrokerError:
    """ConnectionFactory#newConnection failed: no socket, wrong credentials, unknown vhost."""
    if isinstance(exc, OSError):
        return _socket_error(exc, broker)
    if isinstance(exc, amqp.AMQPConnectionError) and exc.args:
        cause = getattr(exc.args[0], "exception", None)  # pika's socket-connect wrapper
        if isinstance(cause, OSError):
            return _socket_error(cause, broker)
    if isinstance(exc, amqp.ProbableAuthenticationError | amqp.AuthenticationError):
        return BrokerError("com.rabbitmq.client.AuthenticationFailureException", _reply(exc)[1])
    if isinstance(exc, amqp.ProbableAccessDeniedError | amqp.ConnectionClosedByBroker):
        code, text = _reply(exc)
        return BrokerError("java.io.IOException", shutdown_text(True, code, text, CONNECTION_OPEN))
    if isinstance(exc, amqp.AMQPConnectionError):
        return BrokerError(
            "java.io.IOException",
            f"the connection to {broker.where} failed before it was open ({exc!r})",
        )
    return BrokerError("java.io.IOException", str(exc) or type(exc).__name__)


def publish_failed(exc: BaseException) -> BrokerError:
    """The broker refused the message (no such exchange, too large, a property it checks) or
    the connection broke before it confirmed it."""
    if isinstance(exc, amqp.ChannelClosed | amqp.ConnectionClosed):
        code, text = _reply(exc)
        hard = isinstance(exc, amqp.ConnectionClosed)
        return BrokerError("java.io.IOException", shutdown_text(hard, code, text, BASIC_PUBLISH))
    if isinstance(exc, amqp.NackError):
        return BrokerError("java.io.IOException", "the broker did not accept the message (nack)")
    if isinstance(exc, OSError | amqp.AMQPError):
        return BrokerError(
            "java.io.IOException", f"the connection broke before the broker confirmed ({exc!r})"
        )
    return BrokerError("java.io.IOException", str(exc) or type(exc).__name__)
