"""The supervised worker behind `manage.py zeebe_worker` and `python -m connectors.zeebe`.

`LiveWorker` reconnects with backoff, stops gracefully, and sends a heartbeat with counters
for the status page; `run_until_signalled` runs it until SIGTERM or SIGINT.
"""

import asyncio
import contextlib
import logging
import os
import random
import signal
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectorhub_sdk import AddressPolicy

from connectors.execution import ExecutionEnvironment
from connectors.registry import Registry
from connectors.runtime import (
    DEFAULT_CALL_THREADS,
    HostLists,
    call_threads,
    configure_call_threads,
)
from connectors.secrets import SecretProvider
from connectors.zeebe.gateway import GatewayConfig
from connectors.zeebe.jobs import CommandRejected, Observer, RunBlocking
from connectors.zeebe.routing import (
    DEFAULT_JOB_TIMEOUT_MS,
    DEFAULT_MAX_JOBS_ACTIVE,
    connector_router,
    handlers_of,
)
from connectors.zeebe.status import JobStats, NullStatusSink, StatusSink, WorkerState
from connectors.zeebe.transport import Connection, open_connection

logger = logging.getLogger("connectors.zeebe")  # one name for the whole adapter


@dataclass(frozen=True)
class WorkerConfig:
    """How the live worker polls and stops; see docs/zeebe-worker.md for each setting."""

    name: str = field(default_factory=lambda: f"connectorhub@{socket.gethostname()}")
    job_types: tuple[str, ...] | None = None
    max_jobs_active: int = DEFAULT_MAX_JOBS_ACTIVE
    job_timeout_ms: int = DEFAULT_JOB_TIMEOUT_MS
    poll_interval: float = 0.02  # settings.ZEEBE_WORKER_POLL_INTERVAL's default too
    request_timeout_ms: int = 0
    fetch_variables: Mapping[str, Sequence[str]] = field(default_factory=dict)
    time_limit: float | None = None
    stream: bool = False
    grace_period: float = 30.0
    heartbeat_interval: float = 5.0
    reconnect_max_delay: float = 30.0
    gateway_checks_to_fail: int = 2


class _GatewayGone(Exception):
    """The gateway stopped answering: leave the serving loop and reconnect."""


class LiveWorker:
    """A job worker that stays up: reconnects with backoff, stops gracefully, reports.

    Over gRPC (pyzeebe) or REST (`/v2`), as `gateway.transport` says; both give each job to
    the same `ConnectorJobHandler`.

    `run(stop)` serves until `stop` is set. While connected it polls the gateway (Topology)
    every heartbeat; after `gateway_checks_to_fail` failed checks in a row, or when pyzeebe's
    worker ends with an error, the worker is stopped and a new connection is tried after
    0.5 s, 1 s, 2 s ... up to `reconnect_max_delay` (with 20% jitter). On stop, jobs in flight
    get `grace_period` seconds to finish; whatever is still running is then handed back to
    Zeebe at once (FailJob with unchanged retries), and anything that could not be told is
    handed out again by Zeebe when its job timeout passes.
    """

    def __init__(
        self,
        gateway: GatewayConfig,
        config: WorkerConfig,
        *,
        registry: Registry | None = None,
        secrets: SecretProvider | None = None,
        allowed_hosts: HostLists | None = None,
        address_policy: AddressPolicy | None = None,
        status_sink: StatusSink | None = None,
        run_blocking: RunBlocking[Any] | None = None,
        observers: Sequence[Observer] = (),
        environment: ExecutionEnvironment | None = None,
    ) -> None:
        self.gateway = gateway
        self.config = config
        self.stats = JobStats()
        self.sink = status_sink or NullStatusSink()
        self.router = connector_router(
            registry=registry,
            job_types=config.job_types,
            secrets=secrets,
            timeout_ms=config.job_timeout_ms,
            max_jobs_active=config.max_jobs_active,
            fetch_variables=config.fetch_variables,
            time_limit=config.time_limit,
            allowed_hosts=allowed_hosts,
            address_policy=address_policy,
            observers=[self.stats, *observers],
            run_blocking=run_blocking,
            environment=environment,
        )
        # Sync connectors run on the runtime's executor: room for every job this worker may
        # hold at once, and as many again for calls abandoned at their time limit.
        held = config.max_jobs_active * len(self.router.tasks)
        configure_call_threads(max(call_threads(), DEFAULT_CALL_THREADS, 2 * held))
        self.state = WorkerState(
            name=config.name,
            address=f"{'REST' if gateway.transport == 'rest' else 'gRPC'} "
            f"{gateway.display_address}",
            job_types=[task.type for task in self.router.tasks],
            stats=self.stats,
        )
        self.connections = 0  # successful connections so far (a reconnect makes it 2)
        self.grace_period = config.grace_period
        self.hurry = asyncio.Event()  # set: stop without waiting for running jobs

    async def run(self, stop: asyncio.Event) -> None:
        logger.info(
            "Zeebe worker %s: gateway %s (%s, %s), job types %s",
            self.config.name,
            self.gateway.display_address,
            self.gateway.transport,
            self.gateway.mode,
            ", ".join(self.state.job_types),
        )
        heartbeat = asyncio.create_task(self._heartbeat(stop))
        try:
            await self._connect_loop(stop)
        finally:
            self.state.connected = False
            self.state.stopped = True
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self.sink.publish(self.state)
            logger.info("Zeebe worker %s stopped", self.config.name)

    async def _connect_loop(self, stop: asyncio.Event) -> None:
        attempt = 0
        while not stop.is_set():
            connection = open_connection(self.gateway)
            try:
                problem = await connection.answers()
                if problem is None:
                    attempt = 0
                    self.state.address = connection.description  # REST: with the version
                    await self._serve(connection, stop)
                else:
                    self._lost(f"gateway {self.gateway.display_address} unreachable: {problem}")
            except _GatewayGone as gone:
                self._lost(str(gone))
            except Exception as exc:  # pyzeebe's worker died: log it and start a new one
                logger.exception("Zeebe worker failed")
                self._lost(f"worker error: {type(exc).__name__}: {exc}")
            finally:
                await connection.close()
            if stop.is_set():
                return
            delay = self._backoff(attempt)
            attempt += 1
            logger.info("reconnecting to %s in %.1f s", self.gateway.display_address, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    def _backoff(self, attempt: int) -> float:
        base = min(self.config.reconnect_max_delay, 0.5 * 2.0**attempt)
        return base * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not cryptography

    def _lost(self, reason: str) -> None:
        was_connected, self.state.connected = self.state.connected, False
        (logger.warning if was_connected else logger.info)("%s", reason)
        self.stats.error(reason)

    async def _serve(self, connection: Connection, stop: asyncio.Event) -> None:
        worker = connection.worker(
            self.router,
            name=self.config.name,
            request_timeout_ms=self.config.request_timeout_ms,
            poll_interval=self.config.poll_interval,
            stream=self.config.stream,
        )
        self.connections += 1
        self.state.connected = True
        logger.info(
            "connected to %s (connection %d)", self.gateway.display_address, self.connections
        )
        await self.sink.publish(self.state)
        work = asyncio.create_task(worker.work())
        watch = asyncio.create_task(self._watch(connection))
        stopping = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait(
                {work, watch, stopping}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            watch.cancel()
            stopping.cancel()
            await self._stop_worker(work)
        if watch in done and not watch.cancelled() and watch.exception() is None:
            raise _GatewayGone(watch.result())
        failure = work.exception() if work in done and not work.cancelled() else None
        if isinstance(failure, CommandRejected):  # REST: the gateway went away mid-poll
            raise _GatewayGone(f"gateway {self.gateway.display_address} went away: {failure}")
        if failure is not None:
            raise failure

    async def _watch(self, connection: Connection) -> str:
        """Returns (why) when the gateway stopped answering."""
        failures = 0
        while True:
            await asyncio.sleep(self.config.heartbeat_interval)
            problem = await connection.answers(timeout=min(3.0, self.config.heartbeat_interval))
            failures = failures + 1 if problem else 0
            if failures >= self.config.gateway_checks_to_fail:
                return f"gateway {self.gateway.display_address} went away: {problem}"

    async def _stop_worker(self, work: "asyncio.Task[None]") -> None:
        """Polls first, then the grace period, then release: in this order no job reaches
        the stopping worker after it handed its jobs back."""
        # Cancelling the serving task ends the open long polls (the gateway hands back what
        # it could not send); the running jobs are tasks of their own and go on.
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await work
        running = self._running_jobs()
        if running:  # they get the grace period, or less after a second stop signal
            finished = asyncio.ensure_future(asyncio.wait(running))
            hurry = asyncio.create_task(self.hurry.wait())
            await asyncio.wait(
                {finished, hurry}, timeout=self.grace_period, return_when=asyncio.FIRST_COMPLETED
            )
            finished.cancel()  # stops waiting only: the jobs are released below
            hurry.cancel()
        if any(not task.done() for task in self._running_jobs()):
            released = sum([await handler.release() for handler in handlers_of(self.router)])
            logger.warning(
                "stopped with jobs still running: %d handed back to Zeebe, the rest time out",
                released,
            )

    def _running_jobs(self) -> "set[asyncio.Task[Any]]":
        return {
            task
            for handler in handlers_of(self.router)
            for _, _, task in handler.in_flight.values()
            if task is not None
        }

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.sink.publish(self.state)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.heartbeat_interval)


def run_until_signalled(worker: LiveWorker) -> None:
    """Run WORKER until SIGTERM or SIGINT (a second signal skips the grace period)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = 0

        def on_signal() -> None:
            nonlocal signals
            signals += 1
            if signals > 1:
                logger.warning("second stop signal: not waiting for running jobs")
                worker.hurry.set()
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal)
        await worker.run(stop)

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()  # unlike asyncio.run, does not wait for calls abandoned in threads
    _exit_without_abandoned_threads()


def _exit_without_abandoned_threads() -> None:
    """A sync connector call cut off by its time limit or a stop keeps its thread (Python
    cannot kill it), and the interpreter would wait for it at exit. Its job was handed back
    to Zeebe already, so the process leaves without it."""
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    for thread in others:
        thread.join(timeout=0.5)  # idle pool threads leave at once
    stuck = [t for t in others if t.is_alive() and not t.daemon]
    if stuck:
        logger.warning("leaving %d connector call(s) that are still running in threads", len(stuck))
        logging.shutdown()
        os._exit(0)
