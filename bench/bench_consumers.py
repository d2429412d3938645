"""Consumer throughput: messages correlated per second by the hub's RabbitMQ and Kafka consumers
(connectors/builtin/{rabbitmq,kafka}/inbound.py, run as the inbound worker runs them: the
element deployed, its context from `activate`, correlation into the engine over REST, the
activity log in the database) against a bare consumer on the same client library that does, per
message, the work a correct consumer must do: one plain HTTP call to the same engine endpoint
with the same body (`POST /v2/messages/publication`: name, correlation key, time to live,
message id, variables), and the acknowledgement only after that call succeeded. Target: 0.7x.

The delivery guarantee is the same on both sides (at least once, nothing acknowledged before
the engine took it): RabbitMQ, a prefetch of PREFETCH and `basic.ack` per message after its
call; Kafka, manual offsets, an asynchronous commit of the record's offset after its call.

The engine is the project's test engine behind its REST face (every request checked against
rest-api.yaml), in a process of its own so that it does not share the consumers' GIL; its
message buffer is emptied before each batch, so every batch meets the same engine. Each batch
fills a new queue (topic) with MESSAGES messages, then starts the variant and times from its
first correlation to its last (connecting and the group join are not counted). Variants
alternate from round to round (bench/rounds.py). Per-message latency: the time between two
correlations in a row while the backlog drains (p50/p95). CPU per message: this process's CPU
time over the batch (connecting included), the steadier figure on a shared machine; the
engine's CPU is in its own process and not counted.

Run: .venv/bin/python bench/bench_consumers.py [messages per batch, default 1000]
[rounds, default 4] [rabbitmq|kafka, default both] (needs RabbitMQ: .ci/install-debian-packages;
Kafka: .ci/fetch-kafka; the engine's rest-api.yaml: .ci/fetch-zeebe-protocol).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")
DATA = tempfile.mkdtemp(prefix="bench-consumers-")
# A database file of its own: the benchmark never touches the developer's data.
os.environ["CONNECTORHUB_DATA_DIR"] = DATA
os.environ["DATABASE_URL"] = f"sqlite:///{DATA}/bench.sqlite3"

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

import httpx  # noqa: E402
import pika  # noqa: E402
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402
from connectorhub_sdk.inbound import InboundConnector  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import override_settings  # noqa: E402
from rounds import print_ratios, rotated  # noqa: E402 - bench/'s shared method

from connectors.builtin.kafka import inbound as kafka_inbound  # noqa: E402
from connectors.builtin.rabbitmq import inbound as rabbit_inbound  # noqa: E402
from connectors.inbound.context import activate  # noqa: E402
from connectors.inbound.correlation import ActiveElement  # noqa: E402
from connectors.inbound.discovery import deploy  # noqa: E402
from connectors.inbound.models import InboundElement  # noqa: E402
from tests.inbound.processes import message_start_process  # noqa: E402
from tests.kafka.conftest import QUIET, create_topic  # noqa: E402
from tests.services.kafka import Kafka, kafka  # noqa: E402
from tests.services.rabbitmq import RabbitMQ, rabbitmq  # noqa: E402

MESSAGE = "order-received"
TTL, TTL_MS = "PT1H", 3_600_000
# What the element makes of each message, in FEEL; the bare consumers do the same in Python
ELEMENT = {"messageTtl": TTL, "consumeUnmatchedEvents": "true"}
KAFKA_ELEMENT = {
    "inbound.type": kafka_inbound.TYPE,
    "autoOffsetReset": "earliest",
    "resultExpression": "={order: value}",
    "correlationKeyExpression": "=string(value.n)",
    **ELEMENT,
}
RABBIT_ELEMENT = {
    "inbound.type": rabbit_inbound.TYPE,
    "authentication.authType": "uri",
    "resultExpression": "={order: message.body}",
    "correlationKeyExpression": "=string(message.body.n)",
    **ELEMENT,
}

Variant = Callable[[str, int], "Clock"]  # (queue or topic, messages) -> its clock


class Clock:
    """When each correlation ended; `done` after the COUNT-th."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.times: list[float] = []
        self.done = threading.Event()

    def tick(self) -> None:
        self.times.append(time.perf_counter())
        if len(self.times) == self.count:
            self.done.set()

    def wait(self) -> None:
        if not self.done.wait(300):
            raise TimeoutError(f"{len(self.times)} of {self.count} messages in 300 s")

    @property
    def rate(self) -> float:
        return (self.count - 1) / (self.times[-1] - self.times[0])

    @property
    def gaps_ms(self) -> list[float]:
        return [(b - a) * 1000 for a, b in zip(self.times, self.times[1:], strict=False)]


def payload(n: int) -> bytes:
    return json.dumps({"n": n, "items": ["tea", "milk"], "total": 7.5}).encode()


def publication(value: dict[str, Any], message_id: str) -> dict[str, Any]:
    """The body the hub's correlation sends for ELEMENT's expressions (client.publish_message)."""
    return {
        "name": MESSAGE,
        "correlationKey": str(value["n"]),
        "timeToLive": TTL_MS,
        "variables": {"order": value},
        "messageId": message_id,
    }


def published(http: httpx.Client, body: dict[str, Any]) -> None:
    answer = http.post("/messages/publication", json=body)
    answer.raise_for_status()  # acknowledged only after the engine took it


# -- the hub -------------------------------------------------------------------------------


def deployed(process_id: str, properties: dict[str, str]) -> ActiveElement:
    xml = message_start_process(process_id, MESSAGE, properties)
    deploy([(f"{process_id}.bpmn", xml.encode())])
    row = InboundElement.objects.select_related("process").get(process__process_id=process_id)
    return ActiveElement.of(row)


def hub(
    connector: InboundConnector, element: ActiveElement, where: Callable[[str], dict[str, str]]
) -> Variant:
    """The consumer on its thread with the context the inbound worker gives it."""

    def run(place: str, count: int) -> Clock:
        target = replace(element, properties={**element.properties, **where(place)})
        context = activate(connector, [target])
        clock, failed = Clock(count), []
        correlate = context.correlate

        def counted(variables: Any, *, message_id: str | None = None) -> Any:
            result = correlate(variables, message_id=message_id)
            if result.acknowledge:
                clock.tick()
            else:
                failed.append(result)
            return result

        context.correlate = counted  # type: ignore[method-assign]
        args = (context.bind(connector.input), context)
        thread = threading.Thread(target=connector.function, args=args)
        thread.start()
        try:
            clock.wait()
        finally:
            context.stopping.set()
            thread.join()
        assert not failed, failed[:3]
        return clock

    return run


# -- the bare consumers ----------------------------------------------------------------------


def bare_rabbit(server: RabbitMQ, http: httpx.Client) -> Variant:
    def run(queue: str, count: int) -> Clock:
        clock = Clock(count)
        with server.channel() as channel:
            channel.basic_qos(prefetch_count=rabbit_inbound.PREFETCH)
            for method, properties, body in channel.consume(queue, inactivity_timeout=1):
                if method is None:
                    continue
                published(http, publication(json.loads(body), properties.message_id))
                channel.basic_ack(method.delivery_tag)
                clock.tick()
                if clock.done.is_set():
                    break
            channel.cancel()
        return clock

    return run


def bare_kafka(server: Kafka, http: httpx.Client) -> Variant:
    def run(topic: str, count: int) -> Clock:
        clock = Clock(count)
        client = Consumer(
            {
                "bootstrap.servers": server.bootstrap,
                "group.id": f"bare-{topic}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": "false",
                "enable.auto.offset.store": "false",
                "logger": QUIET,
            }
        )
        client.subscribe([topic])
        while not clock.done.is_set():
            for message in client.consume(kafka_inbound.BATCH, 0.25):
                error = message.error()
                if error is not None:
                    assert error.code() == KafkaError._PARTITION_EOF, error
                    continue
                partition, offset = message.partition(), message.offset()
                body = publication(json.loads(message.value()), f"{topic}-{partition}-{offset}")
                published(http, body)
                client.commit(
                    offsets=[TopicPartition(topic, partition, offset + 1)], asynchronous=True
                )
                clock.tick()
        client.close()
        return clock

    return run


# -- the rounds ------------------------------------------------------------------------------


def measure(
    name: str,
    variants: dict[str, Variant],
    fill: Callable[[int], str],
    clear: Callable[[], None],
    count: int,
    rounds: int,
) -> None:
    base = next(iter(variants))
    for label in variants:  # warm: connections, the FEEL cache, the group coordinator
        clear()
        variants[label](fill(100), 100)
    measured: dict[str, list[float]] = {label: [] for label in variants}
    gaps: dict[str, list[float]] = {label: [] for label in variants}
    cpu: dict[str, list[float]] = {label: [] for label in variants}
    for _, label in rotated(variants, rounds):
        place = fill(count)
        clear()
        started = time.process_time()  # this process's threads, librdkafka's included
        clock = variants[label](place, count)
        cpu[label].append((time.process_time() - started) * 1000 / count)
        measured[label].append(clock.rate)
        gaps[label].extend(clock.gaps_ms)
    print(f"{name}: {count} messages per batch, {rounds} rounds")
    print_ratios(measured, base, unit="msgs", latencies_ms=gaps)
    for label, used in cpu.items():
        print(f"  CPU per message, median of the rounds: {statistics.median(used):.2f} ms, {label}")


def bench_rabbitmq(http: httpx.Client, clear: Callable[[], None], count: int, rounds: int) -> None:
    with rabbitmq() as server:

        def fill(n: int) -> str:
            queue = f"bench-{uuid.uuid4().hex[:8]}"
            with server.channel() as channel:
                channel.queue_declare(queue)
                for i in range(n):
                    props = pika.BasicProperties(message_id=f"{queue}-{i}")
                    channel.basic_publish("", queue, payload(i), props)
            return queue

        uri = server.uri(server.vhost)
        element = deployed("bench-rabbitmq", {**RABBIT_ELEMENT, "authentication.uri": uri})
        variants = {
            "bare pika, engine call + basic.ack per message": bare_rabbit(server, http),
            "hub RabbitMQ consumer": hub(rabbit_inbound.consume, element, queue_of),
        }
        measure("RabbitMQ", variants, fill, clear, count, rounds)


def queue_of(queue: str) -> dict[str, str]:
    return {"queueName": queue}


def bench_kafka(http: httpx.Client, clear: Callable[[], None], count: int, rounds: int) -> None:
    with kafka() as server:
        admin = AdminClient({"bootstrap.servers": server.bootstrap, "logger": QUIET})
        producer = Producer({"bootstrap.servers": server.bootstrap, "logger": QUIET})

        def fill(n: int) -> str:
            topic = create_topic(admin, f"bench-{uuid.uuid4().hex[:8]}")
            for i in range(n):
                producer.produce(topic, payload(i))
            producer.flush(60)
            return topic

        def topic_of(topic: str) -> dict[str, str]:
            return {"topic.topicName": topic, "groupId": f"hub-{topic}"}

        properties = {**KAFKA_ELEMENT, "topic.bootstrapServers": server.bootstrap}
        element = deployed("bench-kafka", {**properties, **topic_of("none")})
        variants = {
            "bare confluent-kafka, engine call + async commit per record": bare_kafka(server, http),
            "hub Kafka consumer": hub(kafka_inbound.consume, element, topic_of),
        }
        measure("Kafka", variants, fill, clear, count, rounds)


def serve(addresses: Any, control: Connection) -> None:
    """The engine's process: its REST face's address, then empty its messages when asked."""
    from tests.services.zeebe_engine import ZeebeTestEngine  # the child's own imports
    from tests.services.zeebe_engine.rest import RestFace, require_protocol

    with ZeebeTestEngine() as engine, RestFace(engine, require_protocol()) as face:
        addresses.put(face.address)
        while control.recv() == "clear":
            with engine.store.lock:
                engine.messages.received.clear()
            control.send("cleared")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    only = sys.argv[3] if len(sys.argv) > 3 else ""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    addresses: Any = multiprocessing.SimpleQueue()
    control, child = multiprocessing.Pipe()
    engine = multiprocessing.Process(target=serve, args=(addresses, child), daemon=True)
    engine.start()

    def clear() -> None:
        control.send("clear")
        control.recv()

    try:
        address = addresses.get()
        with (
            override_settings(CAMUNDA_REST_ADDRESS=address, ZEEBE_ADDRESS=""),
            httpx.Client(base_url=f"{address}/v2") as http,
        ):
            if only in ("", "rabbitmq"):
                bench_rabbitmq(http, clear, count, rounds)
            if only in ("", "kafka"):
                bench_kafka(http, clear, count, rounds)
    finally:
        control.send("stop")
        engine.join(5)


if __name__ == "__main__":
    main()
