"""The acceptance's crash test for the Kafka consumer: 200 records, the consumer process killed
with SIGKILL after about sixty and started again. Every record is correlated, none is lost;
a duplicate can only be one of the last records before the kill, whose asynchronous offset
commit had not reached the broker (the consumer commits after each accepted record: one to a
dozen here, depending on the machine's load), which the runtime's message-id
deduplication drops (the message id is `<topic>-<partition>-<offset>`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.consumers.crash import MESSAGES, kill_and_restart
from tests.consumers.test_kafka import committed, produce, properties
from tests.services.kafka import Kafka

pytestmark = pytest.mark.xdist_group("kafka")


def test_a_killed_consumer_loses_nothing_and_repeats_only_what_was_in_flight(
    kafka_server: Kafka, kafka_topic: str, tmp_path: Path
) -> None:
    produce(kafka_server, kafka_topic, [f'{{"n": {n}}}'.encode() for n in range(MESSAGES)])
    output = tmp_path / "correlated.txt"
    group = f"group-{kafka_topic}"
    prefix = f"{kafka_topic}-0-"
    seen, at_kill = kill_and_restart(
        "connectors.builtin.kafka.inbound",
        # the killed member leaves the group when its session times out: the broker's minimum
        properties(kafka_server, kafka_topic, additionalProperties='={"session.timeout.ms": 6000}'),
        output,
        {f"{prefix}{n}" for n in range(MESSAGES)},
        settled=lambda: committed(kafka_server, group, kafka_topic) == MESSAGES,
    )
    assert set(seen) == {f"{prefix}{n}" for n in range(MESSAGES)}
    duplicates = [m for m, times in Counter(seen).items() if times > 1]
    print(f"kafka crash: killed after {at_kill} correlations, {len(duplicates)} duplicates")
    # only the last records before the kill, whose asynchronous commits it cut off
    assert set(duplicates) == set(seen[at_kill - len(duplicates) : at_kill])
    assert len(duplicates) < 50
