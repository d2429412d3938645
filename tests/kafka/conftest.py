"""Fixtures for the Kafka connector: one Kafka (KRaft) for the session, a fresh topic per test,
a consumer that reads back what was produced, and Camunda's official templates from the corpus."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from connectors.elementtemplates import ElementTemplate
from connectors.runtime import Outcome
from tests.builtin.conftest import run_template, template, templates
from tests.services.kafka import Kafka

KAFKA_FILE = "kafka-outbound-connector.json"
KAFKA_ID = "io.camunda.connectors.KAFKA.v1"
KAFKA_TYPE = "io.camunda:connector-kafka:1"
LATEST = 7
SECRET = "KAFKA_PASSWORD"
# librdkafka's own log lines (reconnects after the broker stops) go to logging, not stderr
QUIET = logging.getLogger("tests.kafka.client")


def kafka_templates() -> tuple[ElementTemplate, ...]:
    return tuple(t for t in templates(KAFKA_FILE) if t.id == KAFKA_ID)


@pytest.fixture(scope="session")
def admin(kafka_server: Kafka) -> AdminClient:
    # kept for the session: a dropped AdminClient destroys its handle under pending futures
    return AdminClient({"bootstrap.servers": kafka_server.bootstrap, "logger": QUIET})


def create_topic(admin: AdminClient, name: str, **config: str) -> str:
    futures = admin.create_topics([NewTopic(name, 1, 1, config=config)], operation_timeout=30)
    for future in futures.values():
        future.result(30)
    for _ in range(100):  # the broker's metadata has the topic a moment after the controller
        found = admin.list_topics(name, timeout=10).topics.get(name)
        if found is not None and found.error is None:
            break
        time.sleep(0.05)
    return name


@pytest.fixture
def topic(admin: AdminClient) -> str:
    """A new topic for each test (the broker does not create topics by itself)."""
    return create_topic(admin, f"orders-{uuid.uuid4().hex[:10]}")


@dataclass(frozen=True)
class Received:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    offset: int
    partition: int
    timestamp: int


def read_back(server: Kafka, topic: str, offset: int, partition: int = 0) -> Received:
    """The record at OFFSET, read by a plain consumer."""
    consumer = Consumer(
        {
            "bootstrap.servers": server.bootstrap,
            "group.id": f"t-{uuid.uuid4().hex}",
            "logger": QUIET,
        }
    )
    try:
        consumer.assign([TopicPartition(topic, partition, offset)])
        message = consumer.poll(20)
        assert message is not None and message.error() is None, message and message.error()
        return Received(
            message.key(),
            message.value(),
            list(message.headers() or []),
            message.offset(),
            message.partition(),
            message.timestamp()[1],
        )
    finally:
        consumer.close()


def plain(server: Kafka, topic: str, **extra: Any) -> dict[str, Any]:
    """Template values (by binding name) for a record to TOPIC without authentication."""
    return {
        "topic.bootstrapServers": server.bootstrap,
        "topic.topicName": topic,
        "message.key": "order-42",
        "message.value": '{"id": 42, "state": "shipped"}',
        "headers": '={"source": "hub", "trace": "t-1"}',
        "resultVariable": "result",
        **extra,
    }


def run_kafka(values: dict[str, Any], *, version: int = LATEST, **kwargs: Any) -> Outcome:
    return run_template(template(KAFKA_FILE, KAFKA_ID, version), values, **kwargs)
