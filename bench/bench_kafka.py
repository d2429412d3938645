"""Kafka connector throughput: records per second through the runtime core (`run_job` with the
official Kafka template's current job: binding, the network door with the egress policy on the
bootstrap server and on every advertised broker, the exchange, the result) against bare
confluent-kafka producing the same record (same key, value, headers and producer settings),
both to the same local Kafka (tests/services/kafka.py). Target: ratio >= 0.8.

The baseline is what Camunda's KafkaConnectorFunction does (it opens a producer per execution
and closes it): a new producer, one record, wait for the acknowledgement, destroy. The
connector keeps its producer across jobs with the same settings and policy
(connectors/builtin/kafka/pool.py) and still asks for the topic's metadata on every job to check
every advertised broker. A bare producer that asks for the metadata first on a fresh producer
shows what that step cost before the pool, and a bare producer kept across records is the scale.

Run: .venv/bin/python bench/bench_kafka.py [calls per batch, default 30] [rounds, default 8]
(needs .ci/fetch-kafka and Java).

Method as bench_sql.py (bench/rounds.py): rounds of one batch per variant, the order rotated;
the best batch, the median per-round ratio to the bare per-record producer, and p50/p95 of
the single calls of each variant.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")

import django  # noqa: E402

django.setup()

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from rounds import print_ratios, rates, timed  # noqa: E402 - bench/'s shared method

from connectors.builtin.kafka.properties import DEFAULTS  # noqa: E402
from connectors.elementtemplates import build_job, read_templates  # noqa: E402
from connectors.network.policy import EgressPolicy  # noqa: E402
from connectors.runtime import JobRequest, run_job  # noqa: E402
from connectors.secrets.providers import MappingSecretProvider  # noqa: E402
from tests.elementtemplates.corpus import CORPUS_DIR  # noqa: E402
from tests.services.kafka import Kafka, kafka  # noqa: E402

TOPIC = "bench-orders"
KEY, VALUE = "order-42", '{"id": 42, "state": "shipped", "items": [1, 2, 3]}'
HEADERS = [("source", b"hub"), ("trace", b"t-1")]
QUIET = logging.getLogger("bench.kafka")


def kafka_job(server: Kafka) -> JobRequest:
    templates = read_templates((CORPUS_DIR / "kafka-outbound-connector.json").read_bytes())
    latest = max(templates, key=lambda t: t.version or 0)
    job = build_job(
        latest,
        {
            "topic.bootstrapServers": server.bootstrap,
            "topic.topicName": TOPIC,
            "message.key": KEY,
            "message.value": VALUE,
            "headers": '={"source": "hub", "trace": "t-1"}',
            "resultVariable": "sent",
        },
    )
    assert not job.errors, job.errors
    return JobRequest(type=job.type or "", variables=job.variables, headers=job.headers)


def send(producer: Producer) -> None:
    done: list[object] = []
    producer.produce(TOPIC, VALUE.encode(), KEY.encode(), headers=list(HEADERS),
                     on_delivery=lambda err, msg: done.append(err or msg))  # fmt: skip
    while not done:
        producer.poll(0.05)
    assert not hasattr(done[0], "code"), done[0]


def measure(server: Kafka, calls: int, rounds: int) -> None:
    admin = AdminClient({"bootstrap.servers": server.bootstrap, "logger": QUIET})
    for future in admin.create_topics([NewTopic(TOPIC, 1, 1)]).values():
        future.result(30)
    job = kafka_job(server)
    secrets = MappingSecretProvider({})
    policy = EgressPolicy.from_allowlist(["127.0.0.1"])
    config = {**DEFAULTS, "bootstrap.servers": server.bootstrap, "logger": QUIET}
    kept = Producer(config)

    def bare() -> object:
        producer = Producer(config)
        send(producer)
        producer.flush(0)
        return None  # the producer is destroyed with its last reference, as the connector's

    def bare_metadata_first() -> object:
        producer = Producer(config)
        producer.list_topics(TOPIC, timeout=10)  # what the connector's broker check asks first
        send(producer)
        producer.flush(0)
        return None

    def bare_kept() -> object:
        send(kept)
        return None

    def runtime() -> object:
        outcome = run_job(job, secrets=secrets, time_limit=30.0, address_policy=policy)
        assert outcome.kind == "completed", outcome
        return outcome

    base = "bare confluent-kafka, producer per record"
    plain = {
        base: bare,
        "runtime, dry-run setup (egress policy, 30 s limit)": runtime,
        "bare confluent-kafka, producer per record, metadata first": bare_metadata_first,
        "bare confluent-kafka, one kept producer (for scale)": bare_kept,
    }
    for warm in plain.values():
        for _ in range(5):
            warm()
    latencies: dict[str, list[float]] = {label: [] for label in plain}
    variants = {label: timed(call, latencies[label]) for label, call in plain.items()}
    measured = rates(variants, calls, rounds)
    print(f"{calls} calls per batch, {rounds} rounds")
    print_ratios(measured, base, latencies_ms=latencies)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    with kafka() as server:
        measure(server, calls, rounds)


if __name__ == "__main__":
    main()
