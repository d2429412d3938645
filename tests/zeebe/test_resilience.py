"""The live worker as a process: no job lost to SIGKILL, a graceful SIGTERM, reconnection.

The worker runs as `python -m connectors.zeebe` (the standalone form; `manage.py zeebe_worker`
runs the same `LiveWorker` with the hub's database around it). The SIGKILL test enqueues its
500 jobs on the test engine and reads back who activated and completed each; the others speak
the public protocol only, so they also run against a gateway in ZEEBE_ADDRESS.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from pyzeebe import ZeebeClient, create_insecure_channel

from connectors.secrets import MappingSecretProvider
from connectors.zeebe import GatewayConfig, LiveWorker, WorkerConfig
from tests.services.http_servers import RecordingServer, Reply
from tests.services.zeebe import BASE_DIR
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.zeebe.conftest import WorkerTransport
from tests.zeebe.harness import deploy, unique
from tests.zeebe.processes import rest_process, task_process

pytestmark = pytest.mark.zeebe

NOOP = "io.connectorhub:noop:1"
REST = "io.camunda:http-json:1"


@contextmanager
def worker_process(
    address: str, log: Path, *args: str, transport: WorkerTransport | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "ZEEBE_ADDRESS": address, "PYTHONUNBUFFERED": "1"}
    if transport is not None and transport.rest_address:
        env.update(CAMUNDA_REST_ADDRESS=transport.rest_address, CAMUNDA_PREFER_REST="true")
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "connectors.zeebe", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def gateway_for(transport: WorkerTransport, grpc_address: str) -> GatewayConfig:
    """The worker's gateway over the test's transport (the client always speaks gRPC)."""
    if transport.rest_address:
        return GatewayConfig(address="", rest_address=transport.rest_address)
    return GatewayConfig(address=grpc_address)


def completed_in(log: Path) -> int:
    """Jobs the worker completed and the gateway accepted (a late duplicate has a command_error)."""
    lines = log.read_text(errors="replace").splitlines()
    return sum(
        1 for line in lines if '"outcome":"completed"' in line and "command_error" not in line
    )


async def deploy_noop(address: str, directory: Path) -> str:
    process_id = unique("worker-batch")
    channel = create_insecure_channel(grpc_address=address)
    bpmn = task_process(process_id, NOOP, headers={"resultVariable": "out"}, inputs={"echo": "=n"})
    await deploy(ZeebeClient(channel), bpmn, directory, process_id)
    await channel.close()
    return process_id


def test_sigkill_in_the_middle_of_500_jobs_loses_none(
    zeebe_engine: ZeebeTestEngine, tmp_path: Path, worker_transport: WorkerTransport
) -> None:
    """The gateway hands the killed worker's jobs out again once their (short) timeout passes.

    Each job is a REST call that takes 50 ms, so the killed worker is always in the middle of
    some: those are the jobs that only the timeout can bring back."""
    with RecordingServer() as server:
        server.route("/item", lambda request: Reply(json=dict(request.query), delay=0.05))
        keys = {
            zeebe_engine.create_job(
                REST,
                {"method": "GET", "url": f"{server.url}/item?n={n}"},
                headers={"resultVariable": "out"},
            ): str(n)
            for n in range(500)
        }
        completed = lambda: zeebe_engine.store.count("completed")  # noqa: E731
        options = ["--job-type", REST, "--job-timeout", "3"]
        address = zeebe_engine.address
        first_log = tmp_path / "first.log"
        with worker_process(
            address, first_log, *options, "--name", "first", transport=worker_transport
        ) as first:
            # kill it while it holds jobs: between two activations it may hold none for a moment
            zeebe_engine.wait_until(
                lambda: completed() >= 100 and zeebe_engine.store.count("activated") > 0,
                120,
                "100 jobs done and some held before the kill",
            )
            first.send_signal(signal.SIGKILL)
            first.wait()
        done_before = completed()
        assert done_before < 500, "the batch finished before the kill; nothing was tested"
        second_log = tmp_path / "second.log"
        with worker_process(
            address, second_log, *options, "--name", "second", transport=worker_transport
        ) as second:
            zeebe_engine.wait_until(lambda: completed() == 500, 240, "every job completed")
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=60) == 0

    jobs = [(zeebe_engine.job(key), n) for key, n in keys.items()]
    bodies = [(job.outcome.variables["out"]["body"] if job.outcome else None) for job, _ in jobs]
    assert bodies == [{"n": n} for _, n in jobs]
    # The jobs the first worker held when it died timed out and went to the second.
    held = [job for job, _ in jobs if job.of_kind("timed_out")]
    assert held, "the killed worker held no job: nothing was handed out again"
    for job in held:
        workers = [a.worker for a in job.of_kind("activated")]
        assert (workers[0], workers[-1]) == ("first", "second"), job.events
    # The second worker did the rest (completions the first sent just before it died may still
    # have reached the gateway after `done_before` was read, so no exact sum).
    assert 0 < completed_in(second_log) <= 500 - done_before


def test_sigterm_lets_a_running_job_finish_and_exits_cleanly(
    zeebe_address: str, tmp_path: Path, worker_transport: WorkerTransport
) -> None:
    log = tmp_path / "worker.log"
    with RecordingServer() as server:
        server.route("/slow", Reply(json={"done": True}, delay=2.0))
        process_id = unique("worker-sigterm")
        bpmn = rest_process(
            process_id,
            {"method": "GET", "url": f"{server.url}/slow", "resultVariable": "slow"},
        )

        async def scenario() -> dict[str, Any]:
            channel = create_insecure_channel(grpc_address=zeebe_address)
            client = ZeebeClient(channel)
            await deploy(client, bpmn, tmp_path, process_id)
            with worker_process(
                zeebe_address, log, "--job-type", REST, transport=worker_transport
            ) as worker:
                result = asyncio.ensure_future(
                    client.run_process_with_result(process_id, {}, timeout=60_000)
                )
                while not server.requests:  # the call is under way
                    await asyncio.sleep(0.02)
                worker.send_signal(signal.SIGTERM)
                variables = dict((await result).variables)
                code = await asyncio.to_thread(worker.wait, 30)
            await channel.close()
            assert code == 0, log.read_text()
            return variables

        variables = asyncio.run(scenario())

    assert variables["slow"]["body"] == {"done": True}
    text = log.read_text()
    assert text.index('"outcome":"completed"') < text.index("stopped")


class TcpProxy:
    """A TCP relay on a fixed local port that can be cut and brought back (the gateway
    "going away" without stopping the shared broker)."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        self.upstream = (host, int(port))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            with suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.connections:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            with self.lock:
                self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def test_the_worker_reconnects_with_backoff_when_the_gateway_comes_back(
    zeebe_address: str, tmp_path: Path, worker_transport: WorkerTransport
) -> None:
    rest = worker_transport.rest_address
    proxy = TcpProxy(rest.split("://", 1)[1] if rest else zeebe_address)
    proxy.start()
    worker = LiveWorker(
        gateway_for(
            WorkerTransport("rest", f"http://{proxy.address}") if rest else worker_transport,
            proxy.address,
        ),
        WorkerConfig(
            name="reconnect-test",
            job_types=(NOOP,),
            heartbeat_interval=0.5,
            reconnect_max_delay=2.0,
            grace_period=2.0,
        ),
    )

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], list[bool]]:
        process_id = await deploy_noop(zeebe_address, tmp_path)
        channel = create_insecure_channel(grpc_address=zeebe_address)
        client = ZeebeClient(channel)
        stop = asyncio.Event()
        serving = asyncio.create_task(worker.run(stop))
        try:
            before = await client.run_process_with_result(process_id, {"n": 1}, timeout=60_000)
            proxy.stop()
            seen = [worker.state.connected]
            deadline = time.monotonic() + 30
            while worker.state.connected:
                assert time.monotonic() < deadline, "the worker did not notice"
                await asyncio.sleep(0.1)
            seen.append(worker.state.connected)
            await asyncio.sleep(3)  # a few failed attempts, spaced by the backoff
            proxy.start()
            after = await client.run_process_with_result(process_id, {"n": 2}, timeout=60_000)
            seen.append(worker.state.connected)
        finally:
            stop.set()
            await serving
            await channel.close()
            proxy.stop()
        return dict(before.variables), dict(after.variables), seen

    before, after, seen = asyncio.run(scenario())

    assert before["out"] == {"echo": 1} and after["out"] == {"echo": 2}
    assert seen == [True, False, True]
    assert worker.connections == 2
    assert worker.stats.totals["completed"] == 2
    assert worker.stats.last_error is not None
    assert proxy.address in worker.stats.last_error.message


def test_a_job_still_running_after_the_grace_period_goes_back_to_zeebe_at_once(
    zeebe_address: str, tmp_path: Path, worker_transport: WorkerTransport
) -> None:
    """Released with unchanged retries, the job runs again without waiting for its 60 s timeout.

    The worker's long polls stay open for the gateway's default (10 s), so a poll is still
    waiting when the grace period ends: the worker must end its polls before it hands the job
    back, or that poll takes the job straight back to the stopping worker, which drops it or
    runs it again. Each worker's secret names its own endpoint: the job must be answered by
    the second worker's."""
    config = WorkerConfig(
        name="release-test", job_types=(REST,), grace_period=0.5, job_timeout_ms=60_000
    )
    with RecordingServer() as server:
        server.route("/stuck/first", Reply(json={"attempt": 1}, delay=10.0))
        server.route("/stuck/second", Reply(json={"attempt": 2}))
        process_id = unique("worker-release")
        bpmn = rest_process(
            process_id,
            {
                "method": "GET",
                "url": f"{server.url}/stuck/{{{{secrets.WORKER}}}}",
                "resultVariable": "answer",
            },
        )

        def live_worker(which: str) -> LiveWorker:
            return LiveWorker(
                gateway_for(worker_transport, zeebe_address),
                config,
                secrets=MappingSecretProvider({"WORKER": which}),
            )

        async def scenario() -> tuple[dict[str, Any], float]:
            channel = create_insecure_channel(grpc_address=zeebe_address)
            client = ZeebeClient(channel)
            await deploy(client, bpmn, tmp_path, process_id)
            first = live_worker("first")
            stop_first = asyncio.Event()
            serving = asyncio.create_task(first.run(stop_first))
            result = asyncio.ensure_future(
                client.run_process_with_result(process_id, {}, timeout=60_000)
            )
            while not server.requests:
                await asyncio.sleep(0.02)
            stop_first.set()
            await serving  # the grace period passes, the job is handed back
            stopped = time.monotonic()
            second = live_worker("second")
            stop_second = asyncio.Event()
            serving = asyncio.create_task(second.run(stop_second))
            variables = dict((await result).variables)
            waited = time.monotonic() - stopped
            stop_second.set()
            await serving
            await channel.close()
            return variables, waited

        variables, waited = asyncio.run(scenario())

    assert [r.path for r in server.requests] == ["/stuck/first", "/stuck/second"]
    assert variables["answer"]["body"] == {"attempt": 2}
    # well within the job's timeout, which an unreleased job waits for
    timeout = config.job_timeout_ms / 1000
    assert waited < timeout / 3, f"the job waited {waited:.1f}s: it was not released"


def test_a_stopping_worker_ends_its_polls_before_it_hands_jobs_back(
    zeebe_engine: ZeebeTestEngine, worker_transport: WorkerTransport
) -> None:
    """Read back on the engine: after the release, the stopping worker activates nothing (with
    its long poll still open at the release, it would take the job straight back)."""
    config = WorkerConfig(
        name="stopping", job_types=(REST,), grace_period=0.3, job_timeout_ms=60_000
    )
    with RecordingServer() as server:
        server.route("/stuck", Reply(json={}, delay=5.0))
        key = zeebe_engine.create_job(REST, {"method": "GET", "url": f"{server.url}/stuck"})

        async def scenario() -> None:
            worker = LiveWorker(gateway_for(worker_transport, zeebe_engine.address), config)
            stop = asyncio.Event()
            serving = asyncio.create_task(worker.run(stop))
            while not server.requests:
                await asyncio.sleep(0.02)
            await asyncio.to_thread(
                zeebe_engine.wait_until,
                lambda: zeebe_engine.store.open_polls >= 1,
                10,
                "the worker's next long poll",
            )
            stop.set()
            await serving

        asyncio.run(scenario())

    events = [(event.kind, event.retries) for event in zeebe_engine.job(key).events]
    assert events[-1] == ("failed", 3), events  # released, and nothing after it
    assert zeebe_engine.job(key).state == "activatable"
