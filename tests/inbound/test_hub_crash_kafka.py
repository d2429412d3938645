"""Issue 22's crash acceptance for the Kafka consumer through the hub's own inbound worker
(tests/inbound/hub_crash.py): 200 records, one of them poison, the worker killed with SIGKILL in
the middle and started again. No group id is configured: the one the hub derives must be the
same after the restart, or the new consumer would start again from the earliest record. The
group's committed offset is the source's count of acknowledged records: right after the kill
it had not passed a record the engine had not accepted, and at the end the lag is 0."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient
from cryptography.fernet import Fernet

from connectors.builtin.kafka.inbound import TYPE
from connectors.models import InboundActivity
from tests.consumers.test_kafka import committed, produce
from tests.inbound.conftest import Camunda
from tests.inbound.hub_crash import (
    MESSAGES,
    POISON_AT,
    Source,
    check,
    crash_through_hub,
    element_properties,
    message_variables,
)
from tests.kafka.conftest import QUIET, create_topic
from tests.services.kafka import Kafka

pytestmark = [
    pytest.mark.zeebe,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("kafka"),
]
GROUP_LINE = "Using consumer group ID: "


def group_id() -> str:
    """The group the hub's consumer says it uses (derived from the deduplication id)."""
    lines = InboundActivity.objects.filter(message__startswith=GROUP_LINE)
    found = {line.removeprefix(GROUP_LINE) for line in lines.values_list("message", flat=True)}
    assert len(found) <= 1, f"the derived group id changed across the restart: {found}"
    return found.pop() if found else ""


def test_a_killed_hub_loses_nothing_and_correlates_each_record_once(
    camunda: Camunda, kafka_server: Kafka, tmp_path: Path, settings: Any
) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_server.bootstrap, "logger": QUIET})
    topic = create_topic(admin, f"hubcrash-{os.urandom(4).hex()}")

    def publish(numbers: range) -> set[str]:
        poison = b"<order>not json</order>"
        values = [poison if n == POISON_AT else f'{{"n": {n}}}'.encode() for n in numbers]
        produce(kafka_server, topic, values)  # one partition: record n is at offset n
        return {f"{topic}-0-{n}" for n in numbers if n != POISON_AT}

    def acknowledged() -> int:
        group = group_id()
        return max(committed(kafka_server, group, topic), 0) if group else 0

    connector = {
        "inbound.type": TYPE,
        "topic.bootstrapServers": kafka_server.bootstrap,
        "topic.topicName": topic,
        "autoOffsetReset": "earliest",
        # the killed member leaves the group when its session times out: the broker's minimum
        "additionalProperties": '={"session.timeout.ms": 6000}',
    }
    source = Source(
        element_properties(connector, "=value.n", "=value.n != null"),
        publish,
        acknowledged,
    )
    settings.CONNECTORHUB_SECRETS_KEY = key = Fernet.generate_key().decode()
    outcome = crash_through_hub(camunda, tmp_path, source, key)
    check(outcome, "kafka")
    assert committed(kafka_server, group_id(), topic) == MESSAGES  # lag 0
    first = message_variables(camunda)[0]["event"]
    assert (first["value"], first["rawValue"]) == ({"n": 0}, '{"n": 0}')
