"""SQS send throughput: messages sent per second through the runtime core (`run_job` with the
job of Camunda's current official SQS template, as tests/aws builds it: binding, the key pair
as hub secrets, FEEL for the body and attributes, the network door with the egress policy, the
exchange, the result) against bare boto3 sending the same message, both against the same local
moto (tests/services/moto.py). Target: ratio >= 0.8.

The connector keeps one botocore client per service, region, endpoint and key pair (building
one costs more than a send), so the bare variant sends with one kept boto3 client too; bare
boto3 building a client per send (what Camunda's connector does with the Java SDK) is shown
for scale. Then p50/p95 of single sends of each variant.

Run: .venv/bin/python bench/bench_sqs.py [sends per batch, default 50] [rounds, default 10]
(needs moto: .ci/fetch-moto).

Method as bench_rest.py: rounds of one batch per variant, the order rotated; the best batch,
the median per-round ratio to bare boto3 and the median per-round extra time per send.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")

import django  # noqa: E402

django.setup()

from rounds import print_ratios, rates  # noqa: E402 - bench/'s shared method

from connectors.elementtemplates import build_job  # noqa: E402
from connectors.network.policy import EgressPolicy  # noqa: E402
from connectors.runtime import JobRequest, run_job  # noqa: E402
from connectors.secrets.providers import MappingSecretProvider  # noqa: E402
from tests.aws.conftest import SQS, aws_values, client, secrets_of, with_endpoint  # noqa: E402
from tests.builtin.conftest import values_for  # noqa: E402
from tests.services.moto import Moto, moto_server  # noqa: E402

BODY = '{"order":42,"items":["book","pen"]}'
ATTRIBUTES = {"tenant": {"DataType": "String", "StringValue": "acme"}}


def sqs_job(moto: Moto, url: str) -> JobRequest:
    tpl = with_endpoint(SQS)
    values = aws_values(moto, **{
        "queue.url": url,
        "queue.messageBody": '={"order": 42, "items": ["book", "pen"]}',
        "queue.messageAttributes": '={"tenant": {"DataType": "String", "StringValue": "acme"}}',
    })  # fmt: skip
    job = build_job(tpl, values_for(tpl, values))
    assert not job.errors, job.errors
    return JobRequest(type=job.type or "", variables=job.variables, headers=job.headers)


def percentiles(call: Callable[[], object], count: int) -> tuple[float, float]:
    """p50 and p95 of COUNT single calls, in milliseconds."""
    took = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        took.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(took, n=20)
    return statistics.median(took), cuts[18]


def measure(moto: Moto, calls: int, rounds: int) -> None:
    url = client(moto, "sqs").create_queue(QueueName="bench")["QueueUrl"]
    job = sqs_job(moto, url)
    secrets = MappingSecretProvider(secrets_of(moto))
    policy = EgressPolicy.from_allowlist(["127.0.0.1"])
    kept = client(moto, "sqs")

    def bare() -> object:
        return kept.send_message(QueueUrl=url, MessageBody=BODY, MessageAttributes=ATTRIBUTES)

    def bare_new_client() -> object:
        fresh = client(moto, "sqs")
        try:
            return fresh.send_message(QueueUrl=url, MessageBody=BODY, MessageAttributes=ATTRIBUTES)
        finally:
            fresh.close()

    def runtime() -> object:
        outcome = run_job(job, secrets=secrets, time_limit=30.0, address_policy=policy)
        assert outcome.kind == "completed", outcome
        return outcome

    base = "bare boto3, one kept client"
    variants = {
        base: bare,
        "runtime, dry-run setup (egress policy, 30 s limit)": runtime,
        "bare boto3, a client per send (for scale)": bare_new_client,
    }
    for warm in variants.values():
        for _ in range(30):
            warm()
    measured = rates(variants, calls, rounds)
    print(f"{calls} sends per batch, {rounds} rounds")
    print_ratios(measured, base, unit="sends")
    print(f"\n{'variant':52s} {'p50 ms':>7s} {'p95 ms':>7s}")
    for label, call in variants.items():
        p50, p95 = percentiles(call, calls * 2)
        print(f"{label:52s} {p50:7.2f} {p95:7.2f}")


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with moto_server() as moto:
        measure(moto, calls, rounds)


if __name__ == "__main__":
    main()
