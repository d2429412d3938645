"""The hub's worker against a bare client on each transport, and its concurrency.

    .venv/bin/python bench/bench_zeebe_transports.py [--instances 1000] [--concurrency 32]
                                [--wide-instances 2000] [--rounds 3] [--only grpc|rest|wide]

Starts the project's test engine with both faces in a child process (gRPC, and REST `/v2`,
which needs .ci/fetch-zeebe-protocol) and, with bench_zeebe_baseline.measure (the worker in a
child process of its own, `concurrency` instances in flight with create-with-result, a warm-up
first), prints jobs/s, p50/p95 latency and worker CPU per job for:

1. per transport, a bare client doing the same work (gRPC: pyzeebe alone; REST: an httpx loop
   that long-polls and completes each job with no variables) and the hub's `LiveWorker`
   serving an async no-op connector through the whole runtime core, each once per round in
   rotated order (bench/rounds.py), and the ratio hub/bare (target: at least 0.9x);
2. concurrency: the built-in REST connector (the hub's export of the official template)
   calling a local HTTP server that answers after 500 ms, 100 jobs active, 100 instances in
   flight. The limit is 200 jobs/s (100 jobs / 0.5 s); the target is at least 150 jobs/s.

Figures on one engine within one run only: the engine is not a broker (docs/zeebe-broker.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_zeebe_baseline import WARM_UP, _cpu_seconds, bare_noop_worker, measure
from bench_zeebe_worker import ADDRESS_VARIABLE, REST, Nothing, async_noop, measure_process
from connectorhub_sdk import OutboundConnector
from rounds import print_ratios, rotated

from connectors.registry import Registry, default_registry
from connectors.zeebe import GatewayConfig, LiveWorker, WorkerConfig

ROOT = Path(__file__).resolve().parents[1]
REST_VARIABLE = "BENCH_CAMUNDA_REST_ADDRESS"  # how the worker's child process finds /v2
MAX_JOBS_ACTIVE = 64  # above the instances in flight, as in bench_zeebe_worker
WIDE_JOBS_ACTIVE = 100  # the concurrency bench: Camunda's runtime runs 100 jobs at once
ENDPOINT_DELAY = 0.5


class HubWorker:
    """The hub's supervised worker over one transport, as bench_zeebe_baseline serves it."""

    def __init__(
        self, registry: Registry, job_type: str, *, rest: bool, max_jobs_active: int
    ) -> None:
        if rest:
            gateway = GatewayConfig(address="", rest_address=os.environ[REST_VARIABLE])
        else:
            gateway = GatewayConfig(address=os.environ[ADDRESS_VARIABLE])
        config = WorkerConfig(
            name="bench-hub", job_types=(job_type,), max_jobs_active=max_jobs_active
        )
        self.live = LiveWorker(gateway, config, registry=registry)
        self.stopping = asyncio.Event()

    async def work(self) -> None:
        await self.live.run(self.stopping)

    async def stop(self) -> None:
        self.stopping.set()


class BareRestWorker:
    """The REST baseline: long-poll the job type, complete each job with no variables."""

    def __init__(self, job_type: str) -> None:
        self.job_type = job_type
        self.http = httpx.AsyncClient(base_url=f"{os.environ[REST_VARIABLE]}/v2", timeout=30)
        self.stopping = asyncio.Event()
        self.running: set[asyncio.Task[None]] = set()

    async def work(self) -> None:
        poll = asyncio.create_task(self._poll())
        await self.stopping.wait()
        poll.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poll
        if self.running:
            await asyncio.wait(self.running)
        await self.http.aclose()

    async def _poll(self) -> None:
        body = {"type": self.job_type, "worker": "bench-bare-rest", "timeout": 300_000}
        while True:
            free = MAX_JOBS_ACTIVE - len(self.running)
            if free <= 0:
                await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                answer = await self.http.post(
                    "/jobs/activation", json={**body, "maxJobsToActivate": free}
                )
                jobs = answer.raise_for_status().json()["jobs"]
            except (httpx.HTTPError, KeyError) as exc:  # said, and polled again, as the hub does
                print(f"bare REST worker: activation failed: {exc!r}", file=sys.stderr)
                await asyncio.sleep(0.5)
                continue
            for job in jobs:
                task = asyncio.create_task(self._complete(job["jobKey"]))
                self.running.add(task)
                task.add_done_callback(self.running.discard)

    async def _complete(self, key: str) -> None:
        await self.http.post(f"/jobs/{key}/completion", json={"variables": {}})

    async def stop(self) -> None:
        self.stopping.set()


def _noop_registry(job_type: str) -> Registry:
    registry = Registry()
    connector = OutboundConnector(type=job_type, name="bench", input=Nothing, function=async_noop)
    registry.register(connector, "bench")
    return registry


# Worker factories: module-level, since the worker's child process is spawned.


def hub_grpc_noop(channel: grpc.aio.Channel, job_type: str) -> HubWorker:
    return HubWorker(
        _noop_registry(job_type), job_type, rest=False, max_jobs_active=MAX_JOBS_ACTIVE
    )


def hub_rest_noop(channel: grpc.aio.Channel, job_type: str) -> HubWorker:
    return HubWorker(_noop_registry(job_type), job_type, rest=True, max_jobs_active=MAX_JOBS_ACTIVE)


def bare_rest_noop(channel: grpc.aio.Channel, job_type: str) -> BareRestWorker:
    return BareRestWorker(job_type)


def hub_grpc_wide(channel: grpc.aio.Channel, job_type: str) -> HubWorker:
    return HubWorker(default_registry(), job_type, rest=False, max_jobs_active=WIDE_JOBS_ACTIVE)


def hub_rest_wide(channel: grpc.aio.Channel, job_type: str) -> HubWorker:
    return HubWorker(default_registry(), job_type, rest=True, max_jobs_active=WIDE_JOBS_ACTIVE)


@contextlib.contextmanager
def engine_with_both_faces() -> Iterator[tuple[str, str, int]]:
    """The test engine in a child process: (gRPC address, REST address, its pid)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.services.zeebe_engine"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        found: dict[str, str] = {}
        for line in process.stdout:
            if line.startswith("export "):
                name, value = line.removeprefix("export ").strip().split("=", 1)
                found[name] = value
            elif line.startswith("# no REST face"):
                raise SystemExit(f"{line.strip()} (run .ci/fetch-zeebe-protocol)")
            if len(found) == 2:
                break
        yield found["ZEEBE_ADDRESS"], found["CAMUNDA_REST_ADDRESS"], process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def compare(
    label: str, variants: dict[str, Any], instances: int, rounds: int, common: dict[str, Any]
) -> None:
    """Each worker of VARIANTS (the bare client first) once per round, in rotated order, then
    rounds.print_ratios over the rounds: best jobs/s, ratio to the bare client (target at least
    0.9x), p50/p95 latency over all rounds; and each one's median worker CPU per job."""
    measured: dict[str, list[float]] = {name: [] for name in variants}
    latencies: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for number, name in rotated(variants, rounds):
        figures = measure(variants[name], instances, **common)
        print(figures.line(f"{label} round {number + 1}: {name}"), flush=True)
        measured[name].append(figures.jobs_per_second)
        latencies[name] += figures.latencies_ms
        if figures.worker_cpu_seconds is not None:
            cpu[name].append(figures.worker_cpu_seconds * 1000 / figures.instances)
    print_ratios(measured, next(iter(variants)), unit="jobs", latencies_ms=latencies)
    for name, per_job in cpu.items():
        if per_job:
            print(f"{label}: {name}: worker CPU {statistics.median(per_job):.2f} ms/job (median)")
    print(flush=True)


def wide(address: str, instances: int, factory: Any, label: str, engine_pid: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")
    django.setup()
    from tests.services.http_servers import RecordingServer, Reply
    from tests.zeebe.harness import unique
    from tests.zeebe.processes import rest_process

    with RecordingServer() as server:
        # http.server listens with a backlog of 5: 100 jobs connecting at once overflow it,
        # the kernel drops their SYNs and each retries after 1 s, which measures this server,
        # not the worker. A real endpoint listens with hundreds (Linux's somaxconn is 4096).
        server.server.socket.listen(WIDE_JOBS_ACTIVE * 2)
        server.route("/slow", Reply(json={"ok": True}, delay=ENDPOINT_DELAY))
        process_id = unique("bench-wide")
        # The engine's CPU per job shows when it, not the worker, is what limits the figure.
        engine_before = _cpu_seconds(engine_pid) or 0.0
        bpmn = rest_process(process_id, {"method": "GET", "url": f"{server.url}/slow"})
        figures = measure_process(
            factory,
            instances,
            address=address,
            bpmn_xml=bpmn,
            process_id=process_id,
            job_type=REST,
            concurrency=WIDE_JOBS_ACTIVE,
        )
        engine_cpu = (_cpu_seconds(engine_pid) or 0.0) - engine_before
    limit = WIDE_JOBS_ACTIVE / ENDPOINT_DELAY
    print(figures.line(f"{label}: REST connector, endpoint answers after 500 ms"), flush=True)
    print(
        f"{label}: {figures.jobs_per_second:.0f} jobs/s with {WIDE_JOBS_ACTIVE} jobs active "
        f"(limit {limit:.0f}, target >= 150); "
        f"test engine CPU {engine_cpu * 1000 / (instances + WARM_UP):.2f} ms/job",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    # "sustains": 20 waves of 100 jobs, so that the first wave's start (connections opening, 100
    # activations at once) and the last one's drain weigh a twentieth each, not a quarter
    parser.add_argument("--wide-instances", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="rotated rounds of the no-op pairs")
    parser.add_argument("--only", choices=["grpc", "rest", "wide"], help="one part alone")
    args = parser.parse_args()
    parts = [args.only] if args.only else ["grpc", "rest", "wide"]
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with engine_with_both_faces() as (address, rest_address, engine_pid):
        os.environ[ADDRESS_VARIABLE], os.environ[REST_VARIABLE] = address, rest_address
        print(f"gateway: the test engine, gRPC {address}, REST {rest_address}")
        common: dict[str, Any] = {"address": address, "concurrency": args.concurrency}
        if "grpc" in parts:
            grpc_variants = {"gRPC bare pyzeebe no-op": bare_noop_worker}
            grpc_variants["gRPC hub, async no-op connector"] = hub_grpc_noop
            compare("gRPC", grpc_variants, args.instances, args.rounds, common)
        if "rest" in parts:
            rest_variants = {"REST bare httpx loop no-op": bare_rest_noop}
            rest_variants["REST hub, async no-op connector"] = hub_rest_noop
            compare("REST", rest_variants, args.instances, args.rounds, common)
        if "wide" in parts:
            wide(address, args.wide_instances, hub_grpc_wide, "gRPC", engine_pid)
            wide(address, args.wide_instances, hub_rest_wide, "REST", engine_pid)


if __name__ == "__main__":
    main()
