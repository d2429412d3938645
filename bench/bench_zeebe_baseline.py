"""Baseline: jobs/s and job latency of a bare pyzeebe no-op worker against a Zeebe gateway.

    .venv/bin/python bench/bench_zeebe_baseline.py [--instances 2000] [--concurrency 32]

Uses ZEEBE_ADDRESS when set, otherwise starts the project's test engine in a child process.

How it measures (`measure()`, reusable for any worker): the worker runs in a child process of
its own, as it would in production; this process deploys a one-service-task process and keeps
`concurrency` instances in flight with create-with-result. A job's latency is the time from the
create request to the instance's result, so it includes activation, the handler and the
completion; jobs/s is instances completed over wall time. A warm-up batch runs first and is
not counted. Both the number of instances and the time are bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, Protocol

import grpc
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel
from pyzeebe.errors import ZeebeBackPressureError

# Run as a script: make the repository importable for tests.services.zeebe.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.services.zeebe import engine_process, wait_for_gateway
from tests.zeebe.harness import deploy, service_task_process, unique

WARM_UP = 50
RESULT_TIMEOUT_MS = 30_000


class Servable(Protocol):
    """What a worker under test offers: pyzeebe's ZeebeWorker has exactly this."""

    async def work(self) -> None: ...

    async def stop(self) -> None: ...


# Given a channel to the gateway and the job type to serve, build the worker. It runs in a
# child process, so it must be a module-level function (pickled by reference).
WorkerFactory = Callable[[grpc.aio.Channel, str], Servable]


@dataclass(frozen=True)
class Figures:
    instances: int
    seconds: float
    latencies_ms: list[float]
    back_pressure_retries: int = 0
    worker_cpu_seconds: float | None = None

    @property
    def jobs_per_second(self) -> float:
        return self.instances / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    def line(self, label: str) -> str:
        text = (
            f"{label}: {self.instances} jobs in {self.seconds:.2f}s = "
            f"{self.jobs_per_second:.0f} jobs/s; latency p50 {self.percentile(50):.1f} ms, "
            f"p95 {self.percentile(95):.1f} ms, max {max(self.latencies_ms):.1f} ms"
        )
        if self.worker_cpu_seconds is not None:
            # CPU per job is the figure a busy shared machine disturbs least.
            text += f"; worker CPU {self.worker_cpu_seconds * 1000 / self.instances:.2f} ms/job"
        if self.back_pressure_retries:
            text += f"; {self.back_pressure_retries} back-pressure retries"
        return text


# pyzeebe 4.7 sleeps poll_retry_delay (5 s by default) whenever a poll leaves it at
# max_running_jobs; with no more than `concurrency` instances in flight, twice that never hits
# the cap, so the figures show steady-state polling rather than that stall.
MAX_RUNNING_JOBS = 64


def _bare_noop(worker: ZeebeWorker, job_type: str) -> ZeebeWorker:
    @worker.task(task_type=job_type, max_jobs_to_activate=32, max_running_jobs=MAX_RUNNING_JOBS)
    async def noop() -> dict[str, object]:
        return {}

    return worker


def bare_noop_worker(channel: grpc.aio.Channel, job_type: str) -> ZeebeWorker:
    """The baseline: pyzeebe alone, polling, completing each job with no variables."""
    return _bare_noop(ZeebeWorker(channel, name="bench-bare-noop"), job_type)


def bare_noop_streaming_worker(channel: grpc.aio.Channel, job_type: str) -> ZeebeWorker:
    """The same with job streaming (Zeebe 8.4+): the gateway pushes jobs as they are created."""
    worker = ZeebeWorker(channel, name="bench-bare-noop-stream", stream_enabled=True)
    return _bare_noop(worker, job_type)


async def _serve(factory: WorkerFactory, address: str, job_type: str, stop: Event) -> None:
    channel = create_insecure_channel(grpc_address=address)
    worker = factory(channel, job_type)
    work = asyncio.create_task(worker.work())
    await asyncio.to_thread(stop.wait)
    await worker.stop()
    await work
    await channel.close()


def _serve_in_child(factory: WorkerFactory, address: str, job_type: str, stop: Event) -> None:
    asyncio.run(_serve(factory, address, job_type, stop))


@dataclass
class _Run:
    latencies_ms: list[float] = field(default_factory=list)
    back_pressure_retries: int = 0


async def _drive(
    address: str, process_id: str, instances: int, concurrency: int, deadline: float
) -> _Run:
    """Keep `concurrency` instances in flight until `instances` finished; their latencies."""
    channel = create_insecure_channel(grpc_address=address)
    client = ZeebeClient(channel)
    gate = asyncio.Semaphore(concurrency)
    run = _Run()

    async def one(index: int) -> None:
        async with gate:
            started = time.perf_counter()
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError("benchmark ran past its time bound")
                try:
                    await client.run_process_with_result(
                        process_id, {"index": index}, timeout=RESULT_TIMEOUT_MS
                    )
                    break
                except ZeebeBackPressureError:
                    # A broker under back-pressure wants the client to retry later (only seen
                    # with ZEEBE_ADDRESS: the broker started here has it off).
                    run.back_pressure_retries += 1
                    await asyncio.sleep(0.05)
            run.latencies_ms.append((time.perf_counter() - started) * 1000)

    try:
        await asyncio.gather(*(one(i) for i in range(instances)))
    finally:
        await channel.close()
    return run


async def _deploy(address: str, process_id: str, job_type: str) -> None:
    channel = create_insecure_channel(grpc_address=address)
    with tempfile.TemporaryDirectory() as directory:
        bpmn = service_task_process(process_id, job_type)
        await deploy(ZeebeClient(channel), bpmn, Path(directory), process_id)
    await channel.close()


def _cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a live process (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of stat(5); the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    worker_factory: WorkerFactory,
    instances: int,
    *,
    address: str,
    job_type: str | None = None,
    concurrency: int = 32,
    time_limit: float = 300.0,
) -> Figures:
    """Run `instances` one-job process instances through the worker the factory builds."""
    job_type = job_type or unique("bench:noop")
    process_id = unique("bench")
    asyncio.run(_deploy(address, process_id, job_type))
    return measure_deployed(
        worker_factory,
        instances,
        address=address,
        process_id=process_id,
        job_type=job_type,
        concurrency=concurrency,
        time_limit=time_limit,
    )


def measure_deployed(
    worker_factory: WorkerFactory,
    instances: int,
    *,
    address: str,
    process_id: str,
    job_type: str,
    concurrency: int = 32,
    time_limit: float = 300.0,
) -> Figures:
    """Drive instances of an already deployed process through a worker in a child process."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    child = context.Process(
        target=_serve_in_child, args=(worker_factory, address, job_type, stop), daemon=True
    )
    child.start()
    deadline = time.monotonic() + time_limit
    try:
        asyncio.run(_drive(address, process_id, WARM_UP, concurrency, deadline))
        cpu_before = _cpu_seconds(child.pid)
        started = time.perf_counter()
        run = asyncio.run(_drive(address, process_id, instances, concurrency, deadline))
        seconds = time.perf_counter() - started
        cpu_after = _cpu_seconds(child.pid)
    finally:
        stop.set()
        child.join(timeout=60)
        if child.is_alive():
            child.kill()
            child.join()
    worker_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Figures(instances, seconds, run.latencies_ms, run.back_pressure_retries, worker_cpu)


@contextmanager
def gateway() -> Iterator[tuple[str, Any]]:
    """ZEEBE_ADDRESS, or the test engine in a child process (no broker figures then)."""
    address = os.environ.get("ZEEBE_ADDRESS")
    if address:
        wait_for_gateway(address)
        print(f"broker: ZEEBE_ADDRESS={address}")
        yield address, None
        return
    with engine_process() as engine:
        print(f"gateway: the test engine at {engine.address}")  # type: ignore[attr-defined]
        yield engine.address, None  # type: ignore[attr-defined]


def run_compared(
    workers: list[tuple[str, WorkerFactory]],
    instances: int,
    *,
    address: str,
    broker: Any,
    concurrency: int,
) -> list[Figures]:
    """Measure each worker in turn on the same broker and print its figures, plus where the
    rest of the CPU went: the client driving the load and (when started here) the broker."""
    broker_pid = broker.process.pid if broker is not None and broker.process else None
    per_job = 1000 / (instances + WARM_UP)  # the warm-up is in these totals
    results = []
    for label, factory in workers:
        broker_before, driver_before = _cpu_seconds(broker_pid), time.process_time()
        figures = measure(factory, instances, address=address, concurrency=concurrency)
        print(figures.line(label), flush=True)
        text = f"  driver CPU {(time.process_time() - driver_before) * per_job:.2f} ms/job"
        broker_after = _cpu_seconds(broker_pid)
        if broker_before is not None and broker_after is not None:
            text += f", broker CPU {(broker_after - broker_before) * per_job:.2f} ms/job"
        print(text, flush=True)
        results.append(figures)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    # The machine is shared: a high load explains a slow run.
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with gateway() as (address, broker):
        workers: list[tuple[str, WorkerFactory]] = [
            ("bare pyzeebe no-op, polling", bare_noop_worker),
            ("bare pyzeebe no-op, streaming", bare_noop_streaming_worker),
        ]
        run_compared(
            workers, args.instances, address=address, broker=broker, concurrency=args.concurrency
        )
        if broker is not None:
            memory = broker.rss_bytes()
            print(
                f"broker RSS after the runs {memory['rss'] / 2**20:.0f} MB, "
                f"peak {memory['peak'] / 2**20:.0f} MB"
            )


if __name__ == "__main__":
    main()
