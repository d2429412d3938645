"""Failures against the real broker, as Camunda's connector reports them (the Java client's
exception class as `error.type`, its text, no code, retries - 1), bad input as input errors
naming the field (0 retries), and never the password or the URI in anything the run keeps."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from connectors.elementtemplates import build_job
from connectors.runs.stored import StoredOutcome
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.builtin.conftest import LOCAL_ONLY, template, values_for
from tests.rabbitmq.conftest import (
    LATEST,
    RABBITMQ_FILE,
    RABBITMQ_ID,
    RABBITMQ_TYPE,
    SECRET,
    credentials,
    run_rabbitmq,
    unique,
)
from tests.services.rabbitmq import MAX_MESSAGE_SIZE, RabbitMQ

pytestmark = pytest.mark.xdist_group("rabbitmq")

WRONG = "Wrong-Rabbit-Pw-7"


def failed(outcome: Outcome, *secrets: str) -> dict[str, Any]:
    """The error the process sees; nothing the run keeps holds one of SECRETS."""
    assert outcome.kind == "failed", outcome
    kept = json.dumps(StoredOutcome.from_outcome(outcome).dump(), default=str) + repr(outcome)
    for secret in secrets:
        assert secret not in kept
    error: dict[str, Any] = outcome.trace.error or {}
    return {**error, "retries": outcome.retries}


def values(server: RabbitMQ, **extra: Any) -> dict[str, Any]:
    return credentials(
        server,
        **{
            "routing.exchange": "amq.direct",
            "routing.routingKey": "k",
            "message.body": "x",
            **extra,
        },
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_wrong_password_as_a_secret(broker: RabbitMQ) -> None:
    outcome = run_rabbitmq(
        values(broker, **{"authentication.password": f"{{{{secrets.{SECRET}}}}}"}),
        secrets={SECRET: WRONG},
        retries=3,
    )
    error = failed(outcome, WRONG)
    assert error["type"] == "com.rabbitmq.client.AuthenticationFailureException"
    assert error["message"].startswith("ACCESS_REFUSED - Login was refused")
    assert error["retries"] == 2 and "code" not in error


def test_a_wrong_password_in_a_uri_secret(broker: RabbitMQ) -> None:
    uri = broker.uri(vhost=broker.vhost, password=WRONG)
    outcome = run_rabbitmq(
        {
            "authentication.authType": "uri",
            "authentication.uri": f"{{{{secrets.{SECRET}}}}}",
            "routing.exchange": "amq.direct",
            "routing.routingKey": "k",
            "message.body": "x",
        },
        secrets={SECRET: uri},
    )
    error = failed(outcome, WRONG, uri)
    assert error["type"] == "com.rabbitmq.client.AuthenticationFailureException"


def test_an_unknown_virtual_host(broker: RabbitMQ) -> None:
    error = failed(run_rabbitmq(values(broker, **{"routing.virtualHost": "nope"})), broker.password)
    assert error["type"] == "java.io.IOException"
    assert error["message"] == (
        "connection error; protocol method: #method<connection.close>(reply-code=530, "
        "reply-text=NOT_ALLOWED - vhost nope not found, class-id=10, method-id=40)"
    )


def test_nothing_listening(broker: RabbitMQ) -> None:
    port = free_port()
    error = failed(run_rabbitmq(values(broker, **{"routing.port": str(port)})), broker.password)
    assert error["type"] == "java.net.ConnectException"
    assert error["message"] == f"Connection refused (127.0.0.1:{port})"
    assert error["retries"] == 2


def test_an_unknown_host(broker: RabbitMQ) -> None:
    outcome = run_rabbitmq(values(broker, **{"routing.hostName": "no-such-host.invalid"}))
    error = failed(outcome, broker.password)
    assert error["type"] == "java.net.UnknownHostException"
    assert error["message"].startswith("no-such-host.invalid: ")
    assert "Errno" not in error["message"]  # Java's "HOST: reason", not Python's spelling


def test_an_unknown_exchange(broker: RabbitMQ) -> None:
    exchange = unique("missing")
    error = failed(run_rabbitmq(values(broker, **{"routing.exchange": exchange})))
    assert error["type"] == "java.io.IOException"
    assert error["message"] == (
        "channel error; protocol method: #method<channel.close>(reply-code=404, "
        f"reply-text=NOT_FOUND - no exchange '{exchange}' in vhost 'orders', class-id=60, "
        "method-id=40)"
    )
    assert error["retries"] == 2


def test_a_message_over_the_brokers_size_limit(broker: RabbitMQ) -> None:
    exchange = unique("big")
    queue = broker.queue_bound(exchange, "k")
    body = "x" * (MAX_MESSAGE_SIZE + 1)
    outcome = run_rabbitmq(values(broker, **{"routing.exchange": exchange, "message.body": body}))
    error = failed(outcome)
    assert error["type"] == "java.io.IOException"
    assert "reply-code=406, reply-text=PRECONDITION_FAILED - message size" in error["message"]
    assert f"larger than configured max size {MAX_MESSAGE_SIZE}" in error["message"]
    [row] = outcome.trace.exchanges
    assert f"{MAX_MESSAGE_SIZE + 1} bytes" in row["summary"] and row["error"]
    assert broker.take(queue) is None


INPUT_ERRORS = [
    ({"message.properties": '={wrongField: "x"}'}, "message.properties: Unsupported field"),
    ({"message.properties": "={deliveryMode: 7000}"}, "message.properties.deliveryMode: must"),
    ({"message.properties": '={timestamp: "soon"}'}, "message.properties.timestamp: must be"),
    ({"routing.routingKey": " "}, "routing.routingKey: must not be blank"),
    ({"routing.port": "amqp"}, "routing.port: 'amqp' is not a port number"),
    ({"routing.exchange": "e" * 256}, "routing.exchange: must be at most 255 bytes"),
]


@pytest.mark.parametrize(("extra", "message"), INPUT_ERRORS, ids=[m for _, m in INPUT_ERRORS])
def test_bad_input_names_the_field(broker: RabbitMQ, extra: dict[str, Any], message: str) -> None:
    error = failed(run_rabbitmq(values(broker, **extra)), broker.password)
    assert error["type"] == "io.camunda.connector.api.error.ConnectorInputException"
    assert error["message"].startswith(message), error["message"]
    assert error["retries"] == 0


def test_a_uri_that_is_not_amqp_is_refused_without_quoting_it() -> None:
    uri = "http://ada:Pw-in-uri@mq.example.com/"
    outcome = run_rabbitmq(
        {
            "authentication.authType": "uri",
            "authentication.uri": f"{{{{secrets.{SECRET}}}}}",
            "routing.exchange": "e",
            "routing.routingKey": "k",
            "message.body": "x",
        },
        secrets={SECRET: uri},
    )
    error = failed(outcome, "Pw-in-uri")
    assert error["message"] == (
        "authentication.uri: Must start with amqp(s):// or contain a secret reference"
    )


def test_a_secret_virtual_host_stays_out_of_the_error_and_the_log(
    broker: RabbitMQ, caplog: pytest.LogCaptureFixture
) -> None:
    vhost = "tenant-7f3a-secret"
    caplog.set_level("DEBUG")
    outcome = run_rabbitmq(
        values(broker, **{"routing.virtualHost": "{{secrets.VHOST}}"}),
        secrets={"VHOST": vhost},
    )
    error = failed(outcome, vhost)
    assert "reply-text=NOT_ALLOWED - vhost *** not found" in error["message"]
    assert not [r for r in caplog.records if vhost in r.getMessage()]


def test_an_untrusted_certificate(broker: RabbitMQ) -> None:
    """Without the test CA in the trust store the handshake fails, where the Java client 5.x
    trusts every certificate for amqps:// (a difference we keep: docs/rabbitmq-connector.md)."""
    uri = f"amqps://{broker.user}:{broker.password}@localhost:{broker.tls_port}/{broker.vhost}"
    outcome = run_rabbitmq(
        {
            "authentication.authType": "uri",
            "authentication.uri": uri,
            "routing.exchange": "amq.direct",
            "routing.routingKey": "k",
            "message.body": "x",
        }
    )
    error = failed(outcome, broker.password)
    assert error["type"] == "javax.net.ssl.SSLHandshakeException"
    assert "CERTIFICATE_VERIFY_FAILED" in error["message"]


def test_a_secret_goes_only_to_the_hosts_its_owner_allowed(broker: RabbitMQ) -> None:
    tpl = template(RABBITMQ_FILE, RABBITMQ_ID, LATEST)
    job = build_job(
        tpl, values_for(tpl, values(broker, **{"authentication.password": "{{secrets.PW}}"}))
    )
    outcome = run_job(
        JobRequest(type=RABBITMQ_TYPE, variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider({"PW": broker.password}),
        allowed_hosts=lambda name: ["mq.example.com"],
        address_policy=LOCAL_ONLY,
    )
    error = failed(outcome, broker.password)
    assert error["message"].startswith(f"Secret 'PW' may not be sent to 127.0.0.1:{broker.port}")
    assert error["retries"] == 0
