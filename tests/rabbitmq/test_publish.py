"""Publishing through the runtime core against the private broker: what a consumer reads back
is exactly what Camunda's connector would have sent (body, routing key, headers, properties),
for every template version and both connection types; the body serialised as MessageUtil
does; an unroutable message succeeds as in Camunda, visibly on the run page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from connectors.runs.stored import StoredOutcome
from tests.builtin.conftest import result_of
from tests.rabbitmq.conftest import SECRET, credentials, rabbitmq_templates, run_rabbitmq, unique
from tests.services.rabbitmq import RabbitMQ

pytestmark = pytest.mark.xdist_group("rabbitmq")

PROPERTIES = (
    '={contentType: "application/json", contentEncoding: "utf-8", deliveryMode: 2, '
    'priority: 5, correlationId: "c-1", replyTo: "answers", expiration: "60000", '
    'messageId: "m-1", timestamp: 1765000000000, type: "order.created", appId: "shop", '
    'headers: {tenant: "acme", attempt: 3, ratio: 0.5, urgent: true, '
    'tags: ["a", "b"], nested: {x: 1}}}'
)


def publish_values(server: RabbitMQ, exchange: str, key: str, **extra: Any) -> dict[str, Any]:
    return credentials(
        server,
        **{"routing.exchange": exchange, "routing.routingKey": key, **extra},
    )


@pytest.mark.parametrize("tpl", rabbitmq_templates(), ids=lambda t: f"v{t.version}")
def test_every_version_publishes_what_a_consumer_reads_back(broker: RabbitMQ, tpl: Any) -> None:
    exchange, key = unique("orders"), "order.created"
    queue = broker.queue_bound(exchange, key)
    values = publish_values(
        broker,
        exchange,
        key,
        **{"message.body": '{ "id": 42, "item": "tea “green”" }', "message.properties": PROPERTIES},
    )
    outcome = run_rabbitmq(values, version=tpl.version)

    assert result_of(outcome) == {"statusResult": "success"}
    taken = broker.take(queue)
    assert taken is not None
    method, props, body = taken
    assert body == '{"id":42,"item":"tea “green”"}'.encode()  # compact, as Jackson writes it
    assert (method.exchange, method.routing_key) == (exchange, key)
    assert props.content_type == "application/json" and props.content_encoding == "utf-8"
    assert (props.delivery_mode, props.priority) == (2, 5)
    assert (props.correlation_id, props.reply_to, props.expiration) == ("c-1", "answers", "60000")
    assert (props.message_id, props.type, props.app_id) == ("m-1", "order.created", "shop")
    assert props.timestamp == 1765000000  # Date in epoch ms; AMQP carries seconds
    assert props.headers == {
        "tenant": "acme",
        "attempt": 3,
        "ratio": Decimal("0.5"),  # pika writes no doubles: an AMQP decimal
        "urgent": True,
        "tags": ["a", "b"],
        "nested": {"x": 1},
    }
    assert broker.take(queue) is None  # exactly one message


def test_uri_authentication_with_the_uri_as_a_secret(broker: RabbitMQ) -> None:
    exchange = unique("uri")
    queue = broker.queue_bound(exchange, "k", kind="topic", vhost="/")
    uri = broker.uri()  # no path: the "/" virtual host, as in the Java client
    values = {
        "authentication.authType": "uri",
        "authentication.uri": f"{{{{secrets.{SECRET}}}}}",
        "routing.exchange": exchange,
        "routing.routingKey": "k",
        "message.body": "plain text, not JSON",
        "resultVariable": "result",
    }
    outcome = run_rabbitmq(values, secrets={SECRET: uri})

    assert result_of(outcome) == {"statusResult": "success"}
    taken = broker.take(queue, vhost="/")
    assert taken is not None and taken[2] == b"plain text, not JSON"
    [exchange_row] = outcome.trace.exchanges
    assert exchange_row["protocol"] == "amqp"
    assert exchange_row["target"] == f"127.0.0.1:{broker.port}//"
    assert exchange_row["status"] == "confirmed"
    assert broker.password not in repr(StoredOutcome.from_outcome(outcome).dump())


def test_the_virtual_host_in_the_uri_path_is_url_decoded(broker: RabbitMQ) -> None:
    exchange = unique("vh")
    queue = broker.queue_bound(exchange, "k")
    values = {
        "authentication.authType": "uri",
        "authentication.uri": broker.uri(vhost=broker.vhost),
        "routing.exchange": exchange,
        "routing.routingKey": "k",
        "message.body": "x",
        "resultVariable": "result",
    }
    assert result_of(run_rabbitmq(values)) == {"statusResult": "success"}
    assert broker.take(queue) is not None


BODIES = [
    ('{"a": 1, "b": [1, 2.5, 1e-5]}', b'{"a":1,"b":[1,2.5,1.0E-5]}'),  # JSON text: compacted
    ("[1, 2] trailing", b"[1,2]"),  # Jackson reads the first value and stops
    ("{14:-23}", b"{14:-23}"),  # not JSON: sent as written
    ("[1,3,4,]", b"[1,3,4,]"),
    ('"quoted"', b'"quoted"'),  # a JSON scalar: sent as written
    ("true", b"true"),
    (" 42 ", b" 42 "),
    ("Grüße", "Grüße".encode()),
    ('={name: "tea", price: 2.5}', b'{"name":"tea","price":2.5}'),  # FEEL: JSON
    ("=42", b"42"),
]


@pytest.mark.parametrize(("body", "sent"), BODIES, ids=[b for b, _ in BODIES])
def test_the_body_is_serialised_as_camundas_message_util_does(
    broker: RabbitMQ, body: str, sent: bytes
) -> None:
    exchange = unique("body")
    queue = broker.queue_bound(exchange, "k")
    values = publish_values(broker, exchange, "k", **{"message.body": body})
    assert result_of(run_rabbitmq(values)) == {"statusResult": "success"}
    taken = broker.take(queue)
    assert taken is not None and taken[2] == sent


def test_an_iso_timestamp_and_text_numbers_bind_as_jackson_binds_them(broker: RabbitMQ) -> None:
    exchange = unique("props")
    queue = broker.queue_bound(exchange, "k")
    properties = '={timestamp: "2026-12-06T10:15:30Z", deliveryMode: "1", appId: 123}'
    values = publish_values(
        broker, exchange, "k", **{"message.body": "x", "message.properties": properties}
    )
    assert result_of(run_rabbitmq(values)) == {"statusResult": "success"}
    taken = broker.take(queue)
    assert taken is not None
    props = taken[1]
    moment = dt.datetime(2026, 12, 6, 10, 15, 30, tzinfo=dt.UTC)
    assert (props.timestamp, props.delivery_mode, props.app_id) == (
        int(moment.timestamp()),
        1,
        "123",
    )


def test_an_unroutable_message_succeeds_as_in_camunda_and_says_so(broker: RabbitMQ) -> None:
    exchange = unique("lonely")
    broker.queue_bound(exchange, "bound")
    values = publish_values(broker, exchange, "nobody-listens", **{"message.body": "x"})
    outcome = run_rabbitmq(values)

    assert result_of(outcome) == {"statusResult": "success"}
    [row] = outcome.trace.exchanges
    assert row["status"] == "unroutable" and "NO_ROUTE" in row["response_body"]
    assert any("no queue is bound" in log["message"] for log in outcome.trace.logs)


def test_amqps_verifies_the_brokers_certificate_by_name(
    broker: RabbitMQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The system's trust store (here: the test CA, through SSL_CERT_FILE) and the host name
    the URI gives; the door connects to the vetted address."""
    monkeypatch.setenv("SSL_CERT_FILE", str(broker.ca_file))
    exchange = unique("tls")
    queue = broker.queue_bound(exchange, "k")
    uri = f"amqps://{broker.user}:{broker.password}@localhost:{broker.tls_port}/{broker.vhost}"
    values = {
        "authentication.authType": "uri",
        "authentication.uri": uri,
        "routing.exchange": exchange,
        "routing.routingKey": "k",
        "message.body": "over TLS",
        "resultVariable": "result",
    }
    outcome = run_rabbitmq(values)

    assert result_of(outcome) == {"statusResult": "success"}
    taken = broker.take(queue)
    assert taken is not None and taken[2] == b"over TLS"
    [row] = outcome.trace.exchanges
    assert (row["protocol"], row["target"]) == ("amqps", f"localhost:{broker.tls_port}/orders")
