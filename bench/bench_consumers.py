"""Consumer throughput: messages correlated per second through the hub's RabbitMQ and Kafka
consumers (connectors/builtin/{rabbitmq,kafka}/inbound.py, with an `InboundTestContext` whose
answer accepts at once) against a bare pika / confluent-kafka consumer that does the same
acknowledgement (RabbitMQ: a prefetch of 64 and `basic.ack` per message; Kafka: manual offsets,
an asynchronous commit per record). Target: ratio >= 0.7.

Each round fills a new queue (topic) with MESSAGES messages for each variant, then starts the
variant and times from its first message to its last acknowledgement, so connecting and the
group join are not counted. The variants' order is rotated from round to round
(bench/rounds.py's method); the table is print_ratios'.

Run: .venv/bin/python bench/bench_consumers.py [messages per batch, default 2000]
[rounds, default 5] (needs RabbitMQ: .ci/install-debian-packages; Kafka: .ci/fetch-kafka).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")

import pika  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402
from connectorhub_sdk.inbound_testing import InboundTestContext  # noqa: E402
from rounds import print_ratios  # noqa: E402 - bench/'s shared method

from connectors.builtin.kafka import inbound as kafka_inbound  # noqa: E402
from connectors.builtin.rabbitmq import inbound as rabbit_inbound  # noqa: E402
from tests.kafka.conftest import QUIET, create_topic  # noqa: E402
from tests.services.kafka import Kafka, kafka  # noqa: E402
from tests.services.rabbitmq import RabbitMQ, rabbitmq  # noqa: E402

Variant = Callable[[str, int], float]  # (queue or topic, messages) -> seconds first..last


class Clock:
    """The time of the first message and of the COUNT-th one."""

    def __init__(self, count: int) -> None:
        self.count, self.seen = count, 0
        self.first = self.last = 0.0
        self.done = threading.Event()

    def tick(self) -> None:
        self.seen += 1
        if self.seen == 1:
            self.first = time.perf_counter()
        if self.seen == self.count:
            self.last = time.perf_counter()
            self.done.set()

    @property
    def seconds(self) -> float:
        return self.last - self.first


def hub(connector: Any, properties: Callable[[str], dict[str, Any]]) -> Variant:
    """The hub's consumer on its thread; the answer is the InboundTestContext's default."""

    def run(where: str, count: int) -> float:
        context = InboundTestContext(properties(where))
        clock = Clock(count)
        correlate = context.correlate

        def counted(variables: Any, *, message_id: str | None = None) -> Any:
            result = correlate(variables, message_id=message_id)
            clock.tick()
            return result

        context.correlate = counted  # type: ignore[method-assign]
        thread = threading.Thread(
            target=connector.function, args=(context.bind(connector.input), context)
        )
        thread.start()
        clock.done.wait(300)
        context.stopping.set()
        thread.join()
        return clock.seconds

    return run


def bare_rabbit(server: RabbitMQ) -> Variant:
    def run(queue: str, count: int) -> float:
        clock = Clock(count)
        with server.channel() as channel:
            channel.basic_qos(prefetch_count=rabbit_inbound.PREFETCH)
            for method, _properties, _body in channel.consume(queue, inactivity_timeout=1):
                if method is None:
                    continue
                channel.basic_ack(method.delivery_tag)
                clock.tick()
                if clock.done.is_set():
                    break
            channel.cancel()
        return clock.seconds

    return run


def bare_kafka(server: Kafka) -> Variant:
    def run(topic: str, count: int) -> float:
        clock = Clock(count)
        client = Consumer(
            {
                "bootstrap.servers": server.bootstrap,
                "group.id": f"bare-{topic}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": "false",
                "logger": QUIET,
            }
        )
        client.subscribe([topic])
        while not clock.done.is_set():
            for message in client.consume(kafka_inbound.BATCH, 0.25):
                if message.error() is None:
                    offset = TopicPartition(topic, message.partition(), message.offset() + 1)
                    client.commit(offsets=[offset], asynchronous=True)
                    clock.tick()
        client.close()
        return clock.seconds

    return run


def rotated(
    variants: dict[str, Variant], fill: Callable[[int], str], count: int, rounds: int
) -> dict[str, list[float]]:
    """Messages per second of each variant in each round, the order rotated."""
    measured: dict[str, list[float]] = {label: [] for label in variants}
    order = list(variants)
    for number in range(rounds):
        shift = number % len(order)
        for label in order[shift:] + order[:shift]:
            where = fill(count)
            measured[label].append((count - 1) / variants[label](where, count))
    return measured


def bench_rabbitmq(count: int, rounds: int) -> None:
    with rabbitmq() as server:

        def fill(n: int) -> str:
            queue = f"bench-{uuid.uuid4().hex[:8]}"
            with server.channel() as channel:
                channel.queue_declare(queue)
                for i in range(n):
                    props = pika.BasicProperties(message_id=f"m{i}")
                    channel.basic_publish("", queue, b'{"n": 1}', props)
            return queue

        def properties(queue: str) -> dict[str, Any]:
            return {
                "authentication.authType": "uri",
                "authentication.uri": server.uri(server.vhost),
                "queueName": queue,
            }

        base = "bare pika, basic.ack per message"
        variants = {
            base: bare_rabbit(server),
            "hub RabbitMQ consumer": hub(rabbit_inbound.consume, properties),
        }
        rotated(variants, fill, 200, 1)  # warm up
        print(f"RabbitMQ: {count} messages per batch, {rounds} rounds")
        print_ratios(rotated(variants, fill, count, rounds), base, unit="msgs")


def bench_kafka(count: int, rounds: int) -> None:
    with kafka() as server:
        admin = AdminClient({"bootstrap.servers": server.bootstrap, "logger": QUIET})
        producer = Producer({"bootstrap.servers": server.bootstrap, "logger": QUIET})

        def fill(n: int) -> str:
            topic = create_topic(admin, f"bench-{uuid.uuid4().hex[:8]}")
            for _ in range(n):
                producer.produce(topic, b'{"n": 1}')
            producer.flush(60)
            return topic

        def properties(topic: str) -> dict[str, Any]:
            return {
                "topic.bootstrapServers": server.bootstrap,
                "topic.topicName": topic,
                "groupId": f"hub-{topic}",
                "autoOffsetReset": "earliest",
            }

        base = "bare confluent-kafka, async commit per record"
        variants = {
            base: bare_kafka(server),
            "hub Kafka consumer": hub(kafka_inbound.consume, properties),
        }
        rotated(variants, fill, 200, 1)
        print(f"Kafka: {count} records per batch, {rounds} rounds")
        print_ratios(rotated(variants, fill, count, rounds), base, unit="msgs")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    bench_rabbitmq(count, rounds)
    bench_kafka(count, rounds)


if __name__ == "__main__":
    main()
