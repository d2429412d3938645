"""The Kafka consumer on a quiet topic: a record is correlated as soon as it arrives, not at the
end of the consumer's poll period (librdkafka's `consume(n, timeout)` waits out its whole
timeout unless n records came, which held each record of a quiet topic up to that long)."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.inbound import Health
from connectorhub_sdk.inbound_testing import InboundTestContext

from connectors.builtin.kafka import inbound
from tests.consumers.conftest import Running, wait_for
from tests.consumers.test_kafka import produce, properties
from tests.services.kafka import Kafka

pytestmark = pytest.mark.xdist_group("kafka")
PERIOD = 120.0  # seconds; the deadline below is well inside it


def test_a_record_on_a_quiet_topic_does_not_wait_for_the_poll_period(
    kafka_server: Kafka, kafka_topic: str, running: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbound, "POLL_SECONDS", PERIOD)
    context = InboundTestContext(properties(kafka_server, kafka_topic))
    consumer: Running = running(inbound.consume, context)
    wait_for(lambda: context.health and context.health[0] == Health.UP, what="UP")
    produce(kafka_server, kafka_topic, [b'{"n": 1}'])
    wait_for(lambda: context.correlations, timeout=60, what="the record, before the period ends")
    assert context.correlations[0].variables["value"] == {"n": 1}
    context.stopping.set()
    produce(kafka_server, kafka_topic, [b'{"n": 2}'])  # wakes the consumer's wait to see the stop
    consumer.stop()
