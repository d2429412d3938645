"""The acceptance's crash test for the RabbitMQ consumer: 200 messages, the consumer process
killed with SIGKILL after about sixty and started again. Every message is correlated, none is
lost; a duplicate can only be a message killed between correlate and ack (at most one: the
consumer handles one message at a time), which the runtime's message-id deduplication drops."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.consumers.crash import MESSAGES, kill_and_restart
from tests.consumers.test_rabbitmq import counts, declare, properties, publish
from tests.services.rabbitmq import RabbitMQ

pytestmark = pytest.mark.xdist_group("rabbitmq")


def test_a_killed_consumer_loses_nothing_and_repeats_at_most_the_message_in_flight(
    rabbit: RabbitMQ, tmp_path: Path
) -> None:
    queue = declare(rabbit)
    publish(rabbit, queue, [f'{{"n": {n}}}'.encode() for n in range(MESSAGES)])
    output = tmp_path / "correlated.txt"
    seen, at_kill = kill_and_restart(
        "connectors.builtin.rabbitmq.inbound",
        properties(rabbit, queue),
        output,
        {f"m{n}" for n in range(MESSAGES)},
        settled=lambda: counts(rabbit, queue)[0] == 0,
    )
    assert counts(rabbit, queue) == (0, 0)  # nothing unacknowledged came back after the stop
    assert set(seen) == {f"m{n}" for n in range(MESSAGES)}
    duplicates = [m for m, times in Counter(seen).items() if times > 1]
    print(f"rabbitmq crash: killed after {at_kill} correlations, duplicates {duplicates}")
    assert len(duplicates) <= 1
