"""The hub's side of the Camunda 7 worker: each task's execution environment (the live one of
`connectors.execution.hub`, auditing secret uses with the external task's id) and the worker
built from the settings. Needs Django; the rest of `connectors.engine7` does not."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from connectors.engine7.client import EngineConfig, LockedTask
from connectors.engine7.tasks import EnvironmentFor
from connectors.engine7.worker import (
    Engine7WorkerConfig,
    ExternalTaskWorker,
    parse_topics,
    topics_for,
)
from connectors.execution import ExecutionEnvironment
from connectors.execution.hub import live_environment
from connectors.registry import Registry, default_registry
from connectors.runtime import JobRequest
from connectors.secrets.store import record_secret_use
from connectors.zeebe.status import DatabaseStatusSink

T = TypeVar("T")


async def run_in_database_thread(function: Callable[[], T]) -> T:
    """A blocking ORM call off the event loop, on a connection that is still usable."""

    def call() -> T:
        close_old_connections()
        return function()

    return await sync_to_async(call, thread_sensitive=True)()


def environment_for_tasks(registry: Registry, time_limit: float) -> EnvironmentFor:
    """The live environment (secrets, host rules, the worker egress policy, the time limit)
    once, and per task the audit of its secret uses naming the external task."""
    live = live_environment(
        registry=registry, default_time_limit=time_limit, run_blocking=run_in_database_thread
    )

    def environment_for(task: LockedTask) -> ExecutionEnvironment:
        def audit(job: JobRequest, names: list[str]) -> None:
            detail = f"external task {task.id}"
            record_secret_use(names, "", source="live", job_type=job.type, detail=detail)

        return dataclasses.replace(live, audit=audit)

    return environment_for


def engine_from_settings(url: str | None = None) -> EngineConfig:
    return EngineConfig(
        url=url or settings.CAMUNDA7_REST_ADDRESS,
        username=settings.CAMUNDA7_BASIC_AUTH_USERNAME,
        password=settings.CAMUNDA7_BASIC_AUTH_PASSWORD,
        tenant_id=settings.CAMUNDA7_TENANT_ID,
    )


def config_from(options: dict[str, Any], registry: Registry) -> Engine7WorkerConfig:
    """Settings, overridden by the options given; ValueError names a bad value."""

    def pick(option: str, setting: str) -> Any:
        value = options.get(option)
        return getattr(settings, setting) if value is None else value

    job_types = options.get("job_types") or settings.CAMUNDA7_WORKER_JOB_TYPES or None
    mapping = parse_topics(options.get("topics") or settings.CAMUNDA7_WORKER_TOPICS)
    max_tasks = int(pick("max_tasks", "CAMUNDA7_WORKER_MAX_TASKS"))
    time_limit = float(pick("time_limit", "CAMUNDA7_WORKER_TIME_LIMIT"))
    lock = float(pick("lock_duration", "CAMUNDA7_WORKER_LOCK_DURATION"))
    retries = int(pick("retries", "CAMUNDA7_WORKER_RETRIES"))
    if max_tasks < 1:
        raise ValueError(f"max tasks must be at least 1, got {max_tasks}")
    if time_limit <= 0:
        raise ValueError(f"time limit must be more than 0 seconds, got {time_limit:g}")
    if retries < 0:
        raise ValueError(f"retries must not be negative, got {retries}")
    return Engine7WorkerConfig(
        worker_id=options.get("worker_id")
        or settings.CAMUNDA7_WORKER_ID
        or f"connectorhub@{socket.gethostname()}",
        topics=topics_for(registry, job_types, mapping),
        max_tasks=max_tasks,
        time_limit=time_limit,
        lock_duration=lock or None,
        long_poll=float(pick("long_poll", "CAMUNDA7_WORKER_LONG_POLL")),
        default_retries=retries,
        grace_period=float(pick("grace_period", "CAMUNDA7_WORKER_GRACE_PERIOD")),
    )


def build_worker(options: dict[str, Any], registry: Registry | None = None) -> ExternalTaskWorker:
    """The hub's Camunda 7 worker for these options (tests build it the same way)."""
    registry = registry or default_registry()
    engine = engine_from_settings(options.get("url"))
    if not engine.url:
        raise ValueError("no engine: set CAMUNDA7_REST_ADDRESS or pass --url")
    problems = engine.problems()
    if problems:
        raise ValueError("; ".join(problems))
    config = config_from(options, registry)
    return ExternalTaskWorker(
        engine,
        config,
        environment_for=environment_for_tasks(registry, config.time_limit),
        status_sink=DatabaseStatusSink(),
    )
