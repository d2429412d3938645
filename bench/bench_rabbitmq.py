"""RabbitMQ connector throughput: messages per second through the runtime core (`run_job` with
the current official RabbitMQ template's job: binding, FEEL properties, the network door with
the egress policy, the exchange, the result) against bare pika publishing the same message
(same body bytes and properties) with the same connection handling, both to the same private
broker (tests/services/rabbitmq.py). Target: ratio >= 0.8.

The connector opens a connection per job, as Camunda's does, and publishes in confirm mode
with `mandatory`; the bare variant does exactly that too. Bare pika on one kept connection
shows what a connection costs.

Run: .venv/bin/python bench/bench_rabbitmq.py [messages per batch, default 50] [rounds, default 10]
(needs Debian's rabbitmq-server).

Method as bench_sql.py: rounds of one batch per variant, the order rotated (bench/rounds.py);
the best batch and the median per-round ratio to bare pika connecting per message; p50/p95 of
the time per message over every batch.
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

import pika  # noqa: E402
from rounds import print_ratios, rates, timed  # noqa: E402 - bench/'s shared method

from connectors.elementtemplates import build_job, read_templates  # noqa: E402
from connectors.network.policy import EgressPolicy  # noqa: E402
from connectors.runtime import JobRequest, run_job  # noqa: E402
from connectors.secrets.providers import MappingSecretProvider  # noqa: E402
from tests.elementtemplates.corpus import CORPUS_DIR  # noqa: E402
from tests.services.rabbitmq import RabbitMQ, rabbitmq  # noqa: E402

EXCHANGE, KEY = "bench", "order.created"
BODY = b'{"orderId":42,"items":["tea","milk"],"total":7.5}'
PROPERTIES = pika.BasicProperties(
    content_type="application/json", delivery_mode=2, headers={"tenant": "acme"}
)


# as the connector does on import, so that both sides log alike from the first message
logging.getLogger("pika").setLevel(logging.CRITICAL)


def rabbitmq_job(server: RabbitMQ) -> JobRequest:
    templates = read_templates((CORPUS_DIR / "rabbitmq-outbound-connector.json").read_bytes())
    latest = max(templates, key=lambda t: t.version or 0)
    job = build_job(
        latest,
        {
            "authentication.authType": "credentials",
            "authentication.userName": server.user,
            "authentication.password": "{{secrets.MQ_PW}}",
            "routing.hostName": "127.0.0.1",
            "routing.port": str(server.port),
            "routing.virtualHost": server.vhost,
            "routing.exchange": EXCHANGE,
            "routing.routingKey": KEY,
            "message.body": BODY.decode(),
            "message.properties": '={contentType: "application/json", deliveryMode: 2, '
            'headers: {tenant: "acme"}}',
            "resultVariable": "result",
        },
    )
    assert not job.errors, job.errors
    return JobRequest(type=job.type or "", variables=job.variables, headers=job.headers)


def measure(server: RabbitMQ, calls: int, rounds: int) -> None:
    queue = server.queue_bound(EXCHANGE, KEY)
    job = rabbitmq_job(server)
    secrets = MappingSecretProvider({"MQ_PW": server.password})
    policy = EgressPolicy.from_allowlist(["127.0.0.1"])
    params = pika.ConnectionParameters(
        "127.0.0.1",
        server.port,
        server.vhost,
        pika.PlainCredentials(server.user, server.password),
        connection_attempts=1,
    )
    kept = pika.BlockingConnection(params)
    kept_channel = kept.channel()
    kept_channel.confirm_delivery()

    def bare() -> object:
        connection = pika.BlockingConnection(params)
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            channel.basic_publish(EXCHANGE, KEY, BODY, PROPERTIES, mandatory=True)
        finally:
            connection.close()
        return None

    def bare_kept() -> object:
        kept_channel.basic_publish(EXCHANGE, KEY, BODY, PROPERTIES, mandatory=True)
        return None

    def runtime() -> object:
        outcome = run_job(job, secrets=secrets, time_limit=30.0, address_policy=policy)
        assert outcome.kind == "completed", outcome
        return outcome

    base = "bare pika, connect per message"
    plain = {
        base: bare,
        "runtime, dry-run setup (egress policy, 30 s limit)": runtime,
        "bare pika, one kept connection (for scale)": bare_kept,
    }
    for warm in plain.values():
        for _ in range(10):
            warm()
    samples: dict[str, list[float]] = {label: [] for label in plain}
    variants = {label: timed(call, samples[label]) for label, call in plain.items()}
    measured = rates(variants, calls, rounds)
    print(f"{calls} messages per batch, {rounds} rounds")
    print_ratios(measured, base, unit="msgs", latencies_ms=samples)
    kept.close()
    with server.channel() as channel:  # what the bench published, gone with the queue
        channel.queue_delete(queue)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with rabbitmq() as server:
        measure(server, calls, rounds)


if __name__ == "__main__":
    main()
