"""REST connector throughput: calls per second through the runtime core (`run_job` with the
official v18 template's job: binding, egress policy, the HTTP call, the default result
expression, trace) against plain httpx doing the same GET on a shared client, both against
the same local HTTP server. Target: ratio >= 0.8. The REST connector function called directly
(no runtime) shows how much of the gap is the HTTP path and how much the runtime core.

Run: .venv/bin/python bench/bench_rest.py [calls per batch, default 200] [rounds, default 20]

Method: every round runs one batch of each variant, in an order rotated from round to round;
each line shows the variant's best batch (calls/s), its ratio to plain httpx's best batch, and
the median over the rounds of its batch's ratio to the plain batch of the same round. On a
shared machine, load comes in bursts: the best batch shows what the code costs when left
alone, and the per-round ratio compares batches that ran seconds apart, under the same load.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from connectorhub_sdk import ConnectorContext  # noqa: E402
from rounds import print_ratios, rates  # noqa: E402 - bench/'s shared method

from connectors.builtin.http import client as _client  # noqa: E402, F401 - quiets httpx's log
from connectors.builtin.http.rest import rest  # noqa: E402
from connectors.elementtemplates import build_job, read_templates  # noqa: E402
from connectors.network.policy import EgressPolicy  # noqa: E402
from connectors.runtime import JobRequest, run_job  # noqa: E402
from connectors.secrets.providers import MappingSecretProvider  # noqa: E402
from tests.elementtemplates.corpus import CORPUS_DIR  # noqa: E402
from tests.services.http_servers import RecordingServer, Reply  # noqa: E402

BODY = {"id": 7, "name": "Ada", "tags": ["a", "b", "c"], "nested": {"x": 1, "y": [1, 2, 3]}}


def rest_job(url: str) -> JobRequest:
    templates = read_templates((CORPUS_DIR / "http-json-connector.json").read_bytes())
    v18 = next(
        t for t in templates if t.id == "io.camunda.connectors.HttpJson.v2" and t.version == 18
    )
    job = build_job(v18, {"method": "GET", "url": url})
    return JobRequest(type=job.type or "", variables=job.variables, headers=job.headers)


def serve(port: multiprocessing.SimpleQueue, stop: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    """The server in a process of its own, so it does not share the benchmark's GIL."""
    with RecordingServer() as server:
        server.route("/item", Reply(json=BODY))
        server.requests = _Discard()  # keep memory flat over thousands of calls
        port.put(server.port)
        stop.wait()


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    ports: multiprocessing.SimpleQueue = multiprocessing.SimpleQueue()  # type: ignore[type-arg]
    stop = multiprocessing.Event()
    process = multiprocessing.Process(target=serve, args=(ports, stop), daemon=True)
    process.start()
    try:
        measure(f"http://127.0.0.1:{ports.get()}/item", calls, rounds)
    finally:
        stop.set()
        process.join(5)


def measure(url: str, calls: int, rounds: int) -> None:
    job = rest_job(url)
    secrets = MappingSecretProvider({})
    policy = EgressPolicy.from_allowlist(["127.0.0.1"])
    client = httpx.Client(trust_env=False)

    def plain() -> object:
        response = client.get(url)
        response.raise_for_status()
        return response.json()

    data = rest.input.model_validate(dict(job.variables))

    def connector_alone() -> object:
        return rest.function(data, ConnectorContext(job_type=job.type, address_policy=policy))

    def runtime(limit: float | None, address_policy: EgressPolicy | None) -> Callable[[], object]:
        def call() -> object:
            outcome = run_job(job, secrets=secrets, time_limit=limit, address_policy=address_policy)
            assert outcome.kind == "completed", outcome
            return outcome

        return call

    variants = {
        "plain httpx (shared client)": plain,
        "runtime, dry-run setup (egress policy, 30 s limit)": runtime(30.0, policy),
        "runtime, egress policy, no time limit": runtime(None, policy),
        "runtime, no policy (worker default), no limit": runtime(None, None),
        "REST connector function alone (egress policy)": connector_alone,
    }
    for warm in variants.values():
        for _ in range(100):
            warm()
    measured = rates(variants, calls, rounds)
    print(f"{calls} calls per batch, {rounds} rounds")
    print_ratios(measured, "plain httpx (shared client)")
    client.close()


class _Discard(list):  # type: ignore[type-arg]
    def append(self, item: object) -> None:
        pass


if __name__ == "__main__":
    main()
