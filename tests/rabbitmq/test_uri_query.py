"""The URI's query parameters as the RabbitMQ Java client 5.x reads them (`setUri`: heartbeat,
channel_max, connection_timeout; anything else ignored): what reaches the real broker (the
settings the connection's tune-ok carried, shown on the run page), what is refused and how."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.builtin.rabbitmq.connection import from_uri
from tests.builtin.conftest import result_of
from tests.rabbitmq.conftest import SECRET, run_rabbitmq, unique
from tests.rabbitmq.test_errors import failed
from tests.services.rabbitmq import RabbitMQ

pytestmark = pytest.mark.xdist_group("rabbitmq")


def publish(broker: RabbitMQ, uri: str, body: str = "tuned") -> tuple[Any, str]:
    """Publish BODY through the connector with URI (kept as a hub secret); the outcome and the
    queue a consumer reads."""
    exchange = unique("query")
    queue = broker.queue_bound(exchange, "k")
    values = {
        "authentication.authType": "uri",
        "authentication.uri": f"{{{{secrets.{SECRET}}}}}",
        "routing.exchange": exchange,
        "routing.routingKey": "k",
        "message.body": body,
        "resultVariable": "result",
    }
    return run_rabbitmq(values, secrets={SECRET: uri}), queue


def tune_ok(outcome: Any) -> str:
    [row] = outcome.trace.exchanges
    return str(row["response_body"]).splitlines()[-1]


@pytest.mark.parametrize(
    ("query", "agreed"),
    [
        ("?heartbeat=17&channel_max=5", "heartbeat 17 s, channel_max 5,"),
        # no query: the Java client's defaults, 60 s and 2047, against the broker's 60 and 2047
        ("", "heartbeat 60 s, channel_max 2047,"),
        # 0 asks for "no limit": Java then takes the broker's value (pika alone would turn
        # heartbeats off)
        ("?heartbeat=0&channel_max=0", "heartbeat 60 s, channel_max 2047,"),
        # above the broker's: the smaller wins; out of the 16-bit range: clamped, as in Java
        ("?heartbeat=600&channel_max=99999", "heartbeat 60 s, channel_max 2047,"),
        ("?channel_max=-3&heartbeat=%2B9", "heartbeat 9 s, channel_max 2047,"),
    ],
)
def test_heartbeat_and_channel_max_reach_the_broker_as_java_negotiates_them(
    broker: RabbitMQ, query: str, agreed: str
) -> None:
    outcome, queue = publish(broker, broker.uri(vhost=broker.vhost) + query)

    assert result_of(outcome) == {"statusResult": "success"}
    taken = broker.take(queue)
    assert taken is not None and taken[2] == b"tuned"
    assert tune_ok(outcome).startswith(f"connection.tune-ok: {agreed}")


def test_parameters_the_java_client_ignores_are_ignored_with_a_warning(broker: RabbitMQ) -> None:
    """The Erlang client's parameters (which a URI copied from elsewhere may carry) do not stop
    the publish, as in Camunda; the run's log names them."""
    uri = broker.uri(vhost=broker.vhost) + "?auth_mechanism=plain&heartbeat=20&frame_max=8192"
    outcome, queue = publish(broker, uri)

    assert result_of(outcome) == {"statusResult": "success"}
    assert broker.take(queue) is not None
    assert tune_ok(outcome).startswith("connection.tune-ok: heartbeat 20 s, channel_max 2047,")
    warnings = [log["message"] for log in outcome.trace.logs if log["level"] == "WARNING"]
    assert any("auth_mechanism, frame_max" in message for message in warnings), warnings


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?heartbeat=fast", "URI query parameter 'heartbeat': the requested heartbeat"),
        ("?channel_max=", "URI query parameter 'channel_max': the requested channel max"),
        ("?heartbeat=10&connection_timeout=1.5", "URI query parameter 'connection_timeout'"),
        ("?heartbeat=2147483648", "URI query parameter 'heartbeat'"),
        ("?connection_timeout=-1", "URI query parameter 'connection_timeout': the TCP"),
    ],
)
def test_a_bad_value_is_refused_naming_the_parameter_not_the_uri(
    broker: RabbitMQ, query: str, message: str
) -> None:
    outcome, _ = publish(broker, broker.uri(vhost=broker.vhost) + query)

    error = failed(outcome, broker.password, broker.uri(vhost=broker.vhost))
    assert error["type"] == "io.camunda.connector.api.error.ConnectorInputException"
    assert error["message"].startswith(f"authentication.uri: {message}"), error["message"]
    assert error["retries"] == 0
    assert outcome.trace.exchanges == []  # refused before any connection


def test_amqps_with_a_query_verifies_the_certificate_and_applies_it(
    broker: RabbitMQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(broker.ca_file))
    uri = (
        f"amqps://{broker.user}:{broker.password}@localhost:{broker.tls_port}/{broker.vhost}"
        "?heartbeat=25&channel_max=7&connection_timeout=5000"
    )
    outcome, queue = publish(broker, uri, body="over TLS")

    assert result_of(outcome) == {"statusResult": "success"}
    taken = broker.take(queue)
    assert taken is not None and taken[2] == b"over TLS"
    [row] = outcome.trace.exchanges
    assert (row["protocol"], row["target"]) == ("amqps", f"localhost:{broker.tls_port}/orders")
    assert tune_ok(outcome).startswith("connection.tune-ok: heartbeat 25 s, channel_max 7,")


@pytest.mark.parametrize(
    ("query", "seconds"),
    [("", 30.0), ("?connection_timeout=250", 0.25), ("?connection_timeout=0", 30.0)],
)
def test_the_connect_timeout_is_milliseconds_within_the_runs_limit(
    query: str, seconds: float
) -> None:
    """Java's connection_timeout (ms, 0 = none) bounds the TCP connect; the run's own limit
    (here 30 s left) always applies."""
    tuning = from_uri(f"amqp://mq.example.com/shop{query}").tuning
    assert tuning.connect_seconds(30.0) == seconds
