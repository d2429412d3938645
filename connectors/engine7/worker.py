"""The supervised external task worker behind `manage.py engine7_worker`.

`ExternalTaskWorker` long-polls fetchAndLock for the topics it serves, with at most
`max_tasks` tasks running at once, gives each to `ExternalTaskHandler.on_task`, reconnects
with backoff when the engine goes away, and stops gracefully: the open poll returns first and
what it locked is unlocked, running tasks get the grace period, what still runs is unlocked.
Its heartbeat goes to the same status sink as the Zeebe worker's (`connectors.zeebe.status`:
a `ZeebeWorkerStatus` row named after the worker id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from connectors.engine7.client import (
    EngineClient,
    EngineConfig,
    EngineError,
    EngineUnavailable,
    Topic,
)
from connectors.engine7.tasks import (
    DEFAULT_RETRIES,
    EnvironmentFor,
    ExternalTaskHandler,
    Observer,
    TaskRecord,
)
from connectors.registry import Registry
from connectors.runtime import DEFAULT_CALL_THREADS, call_threads, configure_call_threads
from connectors.zeebe.jobs import JobRecord
from connectors.zeebe.status import JobStats, NullStatusSink, StatusSink, WorkerState

logger = logging.getLogger("connectors.engine7")

DEFAULT_TIME_LIMIT = 300.0  # seconds, as the Zeebe worker's job timeout


@dataclass(frozen=True)
class Engine7WorkerConfig:
    """How the worker fetches, locks and stops; docs/camunda7-worker.md has each setting."""

    worker_id: str = field(default_factory=lambda: f"connectorhub@{socket.gethostname()}")
    topics: Mapping[str, str] = field(default_factory=dict)  # topic -> job type
    max_tasks: int = 32
    time_limit: float = DEFAULT_TIME_LIMIT
    lock_duration: float | None = None  # None: the time limit
    long_poll: float = 20.0
    default_retries: int = DEFAULT_RETRIES
    # topic -> variable names to fetch (Python only); a topic not listed fetches every variable
    fetch_variables: Mapping[str, Sequence[str]] = field(default_factory=dict)
    grace_period: float = 30.0
    heartbeat_interval: float = 5.0
    reconnect_max_delay: float = 30.0

    @property
    def lock_ms(self) -> int:
        return int((self.lock_duration or self.time_limit) * 1000)


def topics_for(
    registry: Registry, job_types: Sequence[str] | None, mapping: Mapping[str, str]
) -> dict[str, str]:
    """topic -> job type: MAPPING's entries, and every served job type as its own topic unless
    MAPPING gives it another. ValueError names job types no connector serves."""
    wanted = list(job_types) if job_types else [c.type for c in registry.all()]
    unknown = sorted({*wanted, *mapping.values()} - {c.type for c in registry.all()})
    if unknown:
        known = ", ".join(c.type for c in registry.all())
        raise ValueError(
            f"no connector is registered for job type(s) {', '.join(unknown)} (known: {known})"
        )
    topics = dict(mapping)
    renamed = set(mapping.values())
    for job_type in wanted:
        if job_type not in renamed:
            topics.setdefault(job_type, job_type)
    return topics


class ExternalTaskWorker:
    """An external task worker that stays up; `run(stop)` serves until STOP is set."""

    def __init__(
        self,
        engine: EngineConfig,
        config: Engine7WorkerConfig,
        *,
        environment_for: EnvironmentFor,
        status_sink: StatusSink | None = None,
        observers: Sequence[Observer] = (),
    ) -> None:
        if not config.topics:
            raise ValueError("no topics to serve")
        self.engine = engine
        self.config = config
        self.stats = JobStats()
        self.sink = status_sink or NullStatusSink()
        self.client = EngineClient(engine, worker_id=config.worker_id)
        self.handler = ExternalTaskHandler(
            self.client,
            topics=config.topics,
            environment_for=environment_for,
            lock_ms=config.lock_ms,
            default_retries=config.default_retries,
            observers=[self._count, *observers],
        )
        configure_call_threads(max(call_threads(), DEFAULT_CALL_THREADS, 2 * config.max_tasks))
        self.state = WorkerState(
            name=config.worker_id,
            address=f"Camunda 7 REST {engine.base}",
            job_types=sorted(set(config.topics.values())),
            stats=self.stats,
        )
        self.running: set[asyncio.Task[TaskRecord]] = set()
        self.hurry = asyncio.Event()  # set: stop without waiting for running tasks

    def _count(self, record: TaskRecord) -> None:
        self.stats(
            JobRecord(
                key=0,
                type=record.type,
                outcome=record.outcome,
                duration_ms=record.duration_ms,
                message=record.message,
                command_error=record.command_error,
            )
        )

    def fetch_topics(self) -> list[Topic]:
        return [
            Topic(name, self.config.lock_ms, self.config.fetch_variables.get(name))
            for name in self.config.topics
        ]

    async def run(self, stop: asyncio.Event) -> None:
        logger.info(
            "Camunda 7 worker %s: engine %s, topics %s",
            self.config.worker_id,
            self.engine.base,
            ", ".join(self.config.topics),
        )
        heartbeat = asyncio.create_task(self._heartbeat(stop))
        try:
            await self._connect_loop(stop)
        finally:
            await self._stop_running()
            self.state.connected = False
            self.state.stopped = True
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self.sink.publish(self.state)
            await self.client.close()
            logger.info("Camunda 7 worker %s stopped", self.config.worker_id)

    async def _connect_loop(self, stop: asyncio.Event) -> None:
        attempt = 0
        while not stop.is_set():
            poll = asyncio.create_task(self._serve(stop))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not poll.done():
                await self._end_poll(poll)
                return
            failure = poll.exception()
            if failure is None:
                return
            if not isinstance(failure, EngineUnavailable):
                logger.error("Camunda 7 worker failed", exc_info=failure)
            was_connected, self.state.connected = self.state.connected, False
            (logger.warning if was_connected else logger.info)("%s", failure)
            self.stats.error(str(failure))
            attempt = 0 if was_connected else attempt + 1
            delay = min(self.config.reconnect_max_delay, 0.5 * 2.0**attempt)
            delay *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not cryptography
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    async def _end_poll(self, poll: asyncio.Task[None]) -> None:
        """Let the open long poll return and unlock what it brought. Cancelling it would not
        end it on the engine's side: Camunda 7 keeps the request pending until its timeout and
        locks the next task for it, which then waits for its lock to expire."""
        hurry = asyncio.create_task(self.hurry.wait())
        await asyncio.wait(
            {poll, hurry}, timeout=self.config.long_poll + 10, return_when=asyncio.FIRST_COMPLETED
        )
        hurry.cancel()
        if not poll.done():
            poll.cancel()
        with contextlib.suppress(asyncio.CancelledError, EngineUnavailable):
            await poll

    async def _serve(self, stop: asyncio.Event) -> None:
        """Long-poll and start a task per locked task, until STOP (or an exception)."""
        version = await self.client.version()
        self.state.address = f"Camunda 7 REST {self.engine.base} (engine {version})"
        self.state.connected = True
        await self.sink.publish(self.state)
        topics = self.fetch_topics()
        while not stop.is_set():
            free = self.config.max_tasks - len(self.running)
            if free <= 0:  # at the maximum: wait for a task to finish (or the stop)
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait({*self.running, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                continue
            locked = await self.client.fetch_and_lock(
                topics, max_tasks=free, long_poll_ms=int(self.config.long_poll * 1000)
            )
            if stop.is_set():  # the poll returned after the stop: hand these back at once
                for task in locked:
                    with contextlib.suppress(EngineError):
                        await self.client.unlock(task.id)
                return
            for task in locked:
                running = asyncio.create_task(self.handler.on_task(task))
                self.running.add(running)
                running.add_done_callback(self.running.discard)

    async def _stop_running(self) -> None:
        """The grace period for running tasks, then unlock what still runs."""
        if self.running:
            finished = asyncio.ensure_future(asyncio.wait(set(self.running)))
            hurry = asyncio.create_task(self.hurry.wait())
            await asyncio.wait(
                {finished, hurry},
                timeout=self.config.grace_period,
                return_when=asyncio.FIRST_COMPLETED,
            )
            finished.cancel()
            hurry.cancel()
        if any(not task.done() for task in self.running):
            released = await self.handler.release()
            logger.warning("stopped with tasks still running: %d unlocked", released)

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.sink.publish(self.state)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.heartbeat_interval)


def run_until_signalled(worker: ExternalTaskWorker) -> None:
    """Run WORKER until SIGTERM or SIGINT (a second signal skips the grace period)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            if stop.is_set():
                worker.hurry.set()
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal)
        await worker.run(stop)

    asyncio.run(main())


def parse_topics(entries: Sequence[str]) -> dict[str, str]:
    """`TOPIC=JOB_TYPE` entries -> {topic: job type}; ValueError names a malformed one."""
    topics: dict[str, str] = {}
    for entry in entries:
        topic, sep, job_type = entry.partition("=")
        if not sep or not topic.strip() or not job_type.strip():
            raise ValueError(f"topic mapping {entry!r} is not TOPIC=JOB_TYPE")
        topics[topic.strip()] = job_type.strip()
    return topics
