"""Failures as Camunda's Kafka connector reports them (code FAIL, the Java client's exception in
the message): nothing listening, an unknown topic (the broker does not create topics), a wrong
password, a record over the size limits; each ends well inside the job's time limit and never
shows the secret. And the network door on every broker the cluster advertises."""

from __future__ import annotations

import socket

import pytest
from confluent_kafka.admin import AdminClient

from connectors.network.policy import EgressPolicy
from tests.kafka.conftest import SECRET, create_topic, plain, run_kafka
from tests.services.kafka import Kafka

pytestmark = pytest.mark.xdist_group("kafka")
PREFIX = "Error during Kafka Producer execution; error message: ["


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_nothing_listening_fails_with_fail_and_the_reason(kafka_server: Kafka) -> None:
    values = plain(
        kafka_server, "orders", **{"topic.bootstrapServers": f"127.0.0.1:{_closed_port()}"}
    )
    outcome = run_kafka(values, time_limit=20.0)

    assert outcome.kind == "failed"
    assert outcome.variables["error"]["code"] == "FAIL"
    assert outcome.retries == 2  # a failure of the moment: Zeebe retries it
    assert outcome.message.startswith(
        PREFIX + "org.apache.kafka.common.errors.TimeoutException: no broker could be reached ("
    ), outcome.message
    assert "Connection refused" in outcome.message


def test_an_unknown_topic_is_named(kafka_server: Kafka) -> None:
    outcome = run_kafka(plain(kafka_server, "no-such-topic"))

    assert outcome.kind == "failed"
    assert outcome.variables["error"]["code"] == "FAIL"
    assert outcome.message.startswith(
        PREFIX + "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: "
        "Topic no-such-topic not present in metadata"
    ), outcome.message


def test_a_wrong_password_fails_without_showing_it(kafka_server: Kafka, topic: str) -> None:
    wrong = "not-the-Kafka-pass-9"
    values = plain(
        kafka_server,
        topic,
        **{
            "topic.bootstrapServers": kafka_server.sasl_bootstrap,
            "authentication.username": kafka_server.user,
            "authentication.password": f"{{{{secrets.{SECRET}}}}}",
            "additionalProperties": '={"security.protocol": "SASL_PLAINTEXT"}',
        },
    )
    outcome = run_kafka(values, secrets={SECRET: wrong})

    assert outcome.kind == "failed"
    assert outcome.variables["error"]["code"] == "FAIL"
    assert outcome.message.startswith(
        PREFIX + "org.apache.kafka.common.errors.SaslAuthenticationException: "
        "Authentication failed: Invalid username or password"
    ), outcome.message
    assert wrong not in repr(outcome) and wrong not in repr(outcome.trace)


def test_a_record_over_the_producers_limit(kafka_server: Kafka, topic: str) -> None:
    values = plain(kafka_server, topic, **{"message.value": "x" * (1024 * 1024 + 1)})
    outcome = run_kafka(values)

    assert outcome.kind == "failed"
    assert outcome.variables["error"]["code"] == "FAIL"
    assert outcome.message.startswith(
        PREFIX + "org.apache.kafka.common.errors.RecordTooLargeException: The message is "
    )
    assert "larger than 1048576, which is the value of the max.request.size" in outcome.message


def test_a_record_over_the_topics_limit(
    kafka_server: Kafka, admin: AdminClient, topic: str
) -> None:
    small = create_topic(admin, f"{topic}-small", **{"max.message.bytes": "1000"})
    outcome = run_kafka(plain(kafka_server, small, **{"message.value": "y" * 5000}))

    assert outcome.kind == "failed"
    assert outcome.variables["error"]["code"] == "FAIL"
    assert outcome.variables["error"]["message"] == (
        PREFIX + "org.apache.kafka.common.errors.RecordTooLargeException: The request included "
        "a message larger than the max message size the server will accept.]"
    )


def test_every_advertised_broker_is_checked_by_the_egress_policy(
    kafka_server: Kafka, topic: str
) -> None:
    # the bootstrap name is allowed; the broker the cluster advertises (127.0.0.1) is not
    policy = EgressPolicy.from_allowlist([f"localhost:{kafka_server.port}"])
    values = plain(
        kafka_server, topic, **{"topic.bootstrapServers": f"localhost:{kafka_server.port}"}
    )
    outcome = run_kafka(values, policy=policy)

    assert outcome.kind == "failed" and outcome.retries == 0
    assert "The egress policy refused 127.0.0.1: 127.0.0.1 is a loopback address" in (
        outcome.message
    )
    assert outcome.trace.exchanges[0]["error"]
    both = EgressPolicy.from_allowlist([f"localhost:{kafka_server.port}", "127.0.0.1"])
    assert run_kafka(values, policy=both).kind == "completed"


def test_a_bootstrap_server_the_policy_refuses_is_never_contacted(
    kafka_server: Kafka, topic: str
) -> None:
    outcome = run_kafka(plain(kafka_server, topic), policy=EgressPolicy.from_allowlist([]))

    assert outcome.kind == "failed" and outcome.retries == 0
    assert "The egress policy refused 127.0.0.1: 127.0.0.1 is a loopback address" in (
        outcome.message
    )


def test_bootstrap_servers_that_are_not_host_and_port_are_named(kafka_server: Kafka) -> None:
    outcome = run_kafka(plain(kafka_server, "orders", **{"topic.bootstrapServers": "kafka"}))
    assert outcome.kind == "failed" and outcome.retries == 0
    assert "topic.bootstrapServers: 'kafka' is not host:port" in outcome.message


def test_a_bootstrap_name_that_does_not_resolve(kafka_server: Kafka) -> None:
    values = plain(
        kafka_server, "orders", **{"topic.bootstrapServers": "no-such-host.invalid:9092"}
    )
    outcome = run_kafka(values)

    assert outcome.kind == "failed"
    assert outcome.variables["error"]["code"] == "FAIL"
    assert outcome.message.startswith(
        PREFIX + "org.apache.kafka.common.KafkaException: Failed to construct kafka producer: "
        "No resolvable bootstrap urls given in bootstrap.servers (no-such-host.invalid)"
    ), outcome.message


def test_a_broker_that_never_answers_ends_with_the_jobs_time_limit(kafka_server: Kafka) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        values = plain(kafka_server, "orders", **{"topic.bootstrapServers": f"127.0.0.1:{port}"})
        outcome = run_kafka(values, time_limit=3.0)

    assert outcome.kind == "failed"
    assert outcome.variables["error"]["code"] == "FAIL"
    assert outcome.message.startswith(
        PREFIX + "org.apache.kafka.common.errors.TimeoutException: Topic orders not present in "
        "metadata after "
    ), outcome.message
