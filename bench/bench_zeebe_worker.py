"""ConnectorHub's live worker against a bare pyzeebe worker, on one Zeebe gateway.

    .venv/bin/python bench/bench_zeebe_worker.py [--instances 2000] [--rest-instances 1000]
                                                  [--concurrency 32]

Uses ZEEBE_ADDRESS when set, otherwise starts the project's test engine. In one
run, on one gateway, it measures (with bench_zeebe_baseline.measure: the worker in a child
process, `concurrency` instances in flight with create-with-result, a warm-up first):

1. the bare pyzeebe no-op worker (the baseline);
2. the hub's `LiveWorker` serving a no-op connector (async, so no thread hop) through the
   whole runtime core, and the ratio to the baseline (target: at least 0.9x);
3. the same with the built-in `io.connectorhub:noop:1` (a sync connector: one thread hop);
4. the hub's worker running the official REST connector template (exported by the hub) against
   a local HTTP server.

Each line prints jobs/s, p50/p95 latency and the worker's CPU per job. The broker dominates
wall-clock figures on a small machine (docs/zeebe-broker.md), so compare within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import grpc
from pydantic import BaseModel
from pyzeebe import ZeebeClient, create_insecure_channel

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_zeebe_baseline import (
    WARM_UP,
    Figures,
    WorkerFactory,
    bare_noop_worker,
    gateway,
    measure,
    measure_deployed,
)
from connectorhub_sdk import ConnectorContext, OutboundConnector

from connectors.registry import Registry, default_registry
from connectors.zeebe import GatewayConfig, LiveWorker, WorkerConfig

ADDRESS_VARIABLE = "BENCH_ZEEBE_ADDRESS"  # how the child process finds the gateway
REST = "io.camunda:http-json:1"
NOOP = "io.connectorhub:noop:1"
MAX_JOBS_ACTIVE = 64  # above the instances in flight, as the baseline does (its docstring)


class Nothing(BaseModel):
    """A no-op connector's input: nothing."""


async def async_noop(data: Nothing, context: ConnectorContext) -> None:
    return None


class HubWorker:
    """The hub's supervised worker behind the `Servable` interface the baseline expects."""

    def __init__(self, registry: Registry | None, job_type: str) -> None:
        address = os.environ[ADDRESS_VARIABLE]
        config = WorkerConfig(
            name="bench-hub", job_types=(job_type,), max_jobs_active=MAX_JOBS_ACTIVE
        )
        self.live = LiveWorker(GatewayConfig(address=address), config, registry=registry)
        self.stopping: asyncio.Event | None = None

    async def work(self) -> None:
        self.stopping = asyncio.Event()
        await self.live.run(self.stopping)

    async def stop(self) -> None:
        if self.stopping is not None:
            self.stopping.set()


def hub_async_noop_worker(channel: grpc.aio.Channel, job_type: str) -> HubWorker:
    """The hub's worker with an async no-op connector registered for the benchmark's type."""
    registry = Registry()
    connector = OutboundConnector(type=job_type, name="bench", input=Nothing, function=async_noop)
    registry.register(connector, "bench")
    return HubWorker(registry, job_type)


def hub_builtin_worker(channel: grpc.aio.Channel, job_type: str) -> HubWorker:
    """The hub's worker with its built-in connectors (the no-op one, or REST)."""
    return HubWorker(default_registry(), job_type)


def measure_process(
    factory: WorkerFactory,
    instances: int,
    *,
    address: str,
    bpmn_xml: str,
    process_id: str,
    job_type: str,
    concurrency: int,
    time_limit: float = 600.0,
) -> Figures:
    """bench_zeebe_baseline.measure for a process of our own (the exported REST process)."""
    asyncio.run(_deploy_xml(address, bpmn_xml, process_id))
    return measure_deployed(
        factory,
        instances,
        address=address,
        process_id=process_id,
        job_type=job_type,
        concurrency=concurrency,
        time_limit=time_limit,
    )


async def _deploy_xml(address: str, bpmn_xml: str, process_id: str) -> None:
    channel = create_insecure_channel(grpc_address=address)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{process_id}.bpmn"
        path.write_text(bpmn_xml)
        await ZeebeClient(channel).deploy_resource(path)
    await channel.close()


def rest_figures(address: str, instances: int, concurrency: int) -> tuple[Figures, int]:
    """The REST connector, exported by the hub, calling a local server; and its request count."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")
    django.setup()
    from tests.services.http_servers import RecordingServer, Reply
    from tests.zeebe.harness import unique
    from tests.zeebe.processes import rest_process

    with RecordingServer() as server:
        server.route("/bench", Reply(json={"ok": True, "items": list(range(10))}))
        process_id = unique("bench-rest")
        bpmn = rest_process(
            process_id,
            {
                "method": "POST",
                "url": f"{server.url}/bench",
                "body": "={index: index}",
                "resultExpression": "={ok: response.body.ok}",
            },
        )
        figures = measure_process(
            hub_builtin_worker,
            instances,
            address=address,
            bpmn_xml=bpmn,
            process_id=process_id,
            job_type=REST,
            concurrency=concurrency,
        )
        return figures, server.count("/bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--rest-instances", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with gateway() as (address, _broker):
        os.environ[ADDRESS_VARIABLE] = address
        common: dict[str, Any] = {"address": address, "concurrency": args.concurrency}
        bare = measure(bare_noop_worker, args.instances, **common)
        print(bare.line("bare pyzeebe no-op"), flush=True)
        hub = measure(hub_async_noop_worker, args.instances, **common)
        print(hub.line("hub worker, async no-op connector"), flush=True)
        builtin = measure(hub_builtin_worker, args.instances, job_type=NOOP, **common)
        print(builtin.line(f"hub worker, built-in {NOOP}"), flush=True)
        # Measured again after the hub: the broker's JIT warms up over a run, so the baseline
        # is taken on both sides and the ratio uses their mean.
        bare_after = measure(bare_noop_worker, args.instances, **common)
        print(bare_after.line("bare pyzeebe no-op (again)"), flush=True)
        baseline = (bare.jobs_per_second + bare_after.jobs_per_second) / 2
        print(
            f"ratio hub/bare: async no-op {hub.jobs_per_second / baseline:.2f}x, "
            f"built-in no-op {builtin.jobs_per_second / baseline:.2f}x (target >= 0.9x)",
            flush=True,
        )
        rest, calls = rest_figures(address, args.rest_instances, args.concurrency)
        print(rest.line("hub worker, REST connector -> local HTTP server"), flush=True)
        print(f"  HTTP requests received: {calls} (warm-up {WARM_UP} + {args.rest_instances})")


if __name__ == "__main__":
    main()
