"""REST connector jobs with many in flight, in one process: what the live worker does with 100
jobs active, without the gateway (the Zeebe benches include it; docs/performance.md).

Run: .venv/bin/python bench/bench_rest_concurrency.py [in flight, default 100] [seconds per
batch, default 4] [rounds, default 3] [endpoint delay in seconds, default 0.5]

Variants, each in rotated rounds (bench/rounds.py), against one local server in a process of
its own that answers after the delay:

- `run_job_async` with the official v18 template's job (as the worker runs it: the sync REST
  connector on the runtime's executor), IN_FLIGHT jobs at once;
- a bare sync httpx client on a thread pool of the same width, the same GET.

The limit is IN_FLIGHT / delay jobs/s; the figure to watch is CPU per job (the process's own,
all threads), which grows with the width where a connection pool walks its connections.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from bench_rest import rest_job  # noqa: E402 - the same job as the REST bench
from rounds import print_ratios, rotated  # noqa: E402 - bench/'s shared method

from connectors.runtime import configure_call_threads, run_job_async  # noqa: E402
from connectors.secrets.providers import MappingSecretProvider  # noqa: E402
from tests.services.http_servers import RecordingServer, Reply  # noqa: E402


def serve(port: multiprocessing.SimpleQueue, stop: multiprocessing.Event, delay: float) -> None:  # type: ignore[type-arg]
    """The endpoint in a process of its own, listening with room for every connection."""
    with RecordingServer() as server:
        server.server.socket.listen(1024)
        server.route("/item", Reply(json={"id": 7, "name": "Ada"}, delay=delay))
        server.requests = _Discard()
        port.put(server.port)
        stop.wait()


class _Discard(list):  # type: ignore[type-arg]
    def append(self, item: object) -> None:
        pass


async def batch(
    one: Callable[[], Awaitable[object]], width: int, seconds: float
) -> tuple[int, float, float]:
    """(jobs done, wall seconds, CPU seconds) of WIDTH loops calling ONE for SECONDS."""
    done = 0
    started = time.monotonic()
    until = started + seconds

    async def loop() -> None:
        nonlocal done
        while time.monotonic() < until:
            await one()
            done += 1

    cpu = time.process_time()
    await asyncio.gather(*(loop() for _ in range(width)))
    return done, time.monotonic() - started, time.process_time() - cpu


async def measure(url: str, width: int, seconds: float, rounds: int) -> None:
    job = rest_job(url)
    secrets = MappingSecretProvider({})
    configure_call_threads(max(128, 2 * width))  # as the live worker sizes it
    threads = ThreadPoolExecutor(width)
    limits = httpx.Limits(max_connections=width, max_keepalive_connections=width)
    client = httpx.Client(trust_env=False, limits=limits)
    loop = asyncio.get_running_loop()

    async def hub() -> object:
        outcome = await run_job_async(job, secrets=secrets, time_limit=300.0)
        assert outcome.kind == "completed", outcome
        return outcome

    def get() -> object:
        return client.get(url).raise_for_status().json()

    async def bare() -> object:
        return await loop.run_in_executor(threads, get)

    variants = {"bare httpx, sync, on threads": bare, "run_job_async, REST connector": hub}
    for one in variants.values():  # warm-up: every connection opened once
        await batch(one, width, 1.0)
    rates: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for _, name in rotated(variants, rounds):
        done, wall, seconds_cpu = await batch(variants[name], width, seconds)
        rates[name].append(done / wall)
        cpu[name].append(seconds_cpu * 1000 / done)
    print(f"{width} in flight, {seconds:g} s per batch, {rounds} rounds")
    print_ratios(rates, "bare httpx, sync, on threads", unit="jobs")
    for name, per_job in cpu.items():
        print(f"{name}: CPU {statistics.median(per_job):.2f} ms/job (median)")
    client.close()
    threads.shutdown()


def main() -> None:
    width = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 4.0
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    ports: multiprocessing.SimpleQueue = multiprocessing.SimpleQueue()  # type: ignore[type-arg]
    stop = multiprocessing.Event()
    process = multiprocessing.Process(target=serve, args=(ports, stop, delay), daemon=True)
    process.start()
    try:
        asyncio.run(measure(f"http://127.0.0.1:{ports.get()}/item", width, seconds, rounds))
    finally:
        stop.set()
        process.join(5)


if __name__ == "__main__":
    main()
