"""The URI read as the Java client's ConnectionFactory#setUri reads it (Camunda's URI
authentication), without a broker: defaults, decoding, the virtual host from the path."""

from __future__ import annotations

import pytest
from connectorhub_sdk import ConnectorInputError

from connectors.builtin.rabbitmq.connection import from_uri

pytestmark = pytest.mark.xdist_group("rabbitmq")

URIS = [
    # uri, (host, port, vhost, user, password, tls)
    ("amqp://mq.example.com", ("mq.example.com", 5672, "/", "guest", "guest", False)),
    ("amqp://mq.example.com/", ("mq.example.com", 5672, "", "guest", "guest", False)),
    ("amqp://mq.example.com/%2F", ("mq.example.com", 5672, "/", "guest", "guest", False)),
    (
        "AMQPS://ada:p%40ss@mq.example.com/shop",
        ("mq.example.com", 5671, "shop", "ada", "p@ss", True),
    ),
    ("amqp://ada@mq.example.com:1234/a%2Fb", ("mq.example.com", 1234, "a/b", "ada", "", False)),
]


@pytest.mark.parametrize(("uri", "expected"), URIS, ids=[u for u, _ in URIS])
def test_the_uri_is_read_as_the_java_client_reads_it(
    uri: str, expected: tuple[str, int, str, str, str, bool]
) -> None:
    broker = from_uri(uri)
    got = (broker.host, broker.port, broker.vhost, broker.user, broker.password, broker.tls)
    assert got == expected


def test_the_password_is_not_in_the_brokers_repr() -> None:
    assert "S3cret-Pw" not in repr(from_uri("amqp://ada:S3cret-Pw@mq.example.com/shop"))


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("http://ada:pw@mq.example.com/", "Must start with amqp(s):// or contain a secret"),
        ("amqp://mq.example.com/a/b", "Multiple segments in path of AMQP URI"),
        ("amqp://mq.example.com:port/", "the port in the URI is not a number"),
    ],
)
def test_a_uri_that_cannot_be_used_names_the_field_not_the_value(uri: str, message: str) -> None:
    with pytest.raises(ConnectorInputError) as raised:
        from_uri(uri)
    assert raised.value.message.startswith(f"authentication.uri: {message}")
    assert "mq.example.com" not in raised.value.message
