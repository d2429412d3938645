"""Serve live Zeebe jobs with every registered connector (or the job types named).

    python manage.py zeebe_worker [--job-type TYPE ...] [--address host:port | --rest-address URL]
                                  [--tls]
                                  [--name NAME] [--max-jobs-active N] [--job-timeout S]
                                  [--poll-interval S] [--fetch-variables TYPE=a,b ...]

Settings (environment) give the defaults, options override them: docs/zeebe-worker.md. The
worker runs through the same runtime core as dry-runs, with the hub's secrets (database, then
environment), the worker egress policy (CONNECTORHUB_WORKER_EGRESS_POLICY, off by default),
one JSON log line per job, a heartbeat for the status page, graceful stop on SIGTERM and
reconnection with backoff when the gateway goes away.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from connectors.execution.hub import live_environment
from connectors.zeebe import (
    DEFAULT_JOB_TIMEOUT_MS,
    DatabaseStatusSink,
    GatewayConfig,
    LiveWorker,
    WorkerConfig,
    parse_fetch_variables,
    run_until_signalled,
    standalone_arguments,
)

T = TypeVar("T")


def gateway_from_settings(
    address: str | None = None, tls: bool | None = None, rest_address: str | None = None
) -> GatewayConfig:
    """The gateway of the settings; an option given overrides its setting, and the transport
    it names wins (`--address`: gRPC, `--rest-address`: REST)."""
    grpc_address = address or ("" if rest_address else settings.ZEEBE_ADDRESS)
    return GatewayConfig(
        address=grpc_address,
        rest_address=rest_address or ("" if address else settings.CAMUNDA_REST_ADDRESS),
        prefer_rest=settings.CAMUNDA_PREFER_REST,
        username=settings.CAMUNDA_BASIC_AUTH_USERNAME,
        password=settings.CAMUNDA_BASIC_AUTH_PASSWORD,
        tls=settings.ZEEBE_TLS if tls is None else tls,
        ca_certificate=settings.ZEEBE_CA_CERTIFICATE_PATH,
        client_id=settings.ZEEBE_CLIENT_ID,
        client_secret=settings.ZEEBE_CLIENT_SECRET,
        authorization_server=settings.ZEEBE_AUTHORIZATION_SERVER_URL,
        audience=settings.ZEEBE_TOKEN_AUDIENCE,
        scope=settings.ZEEBE_TOKEN_SCOPE,
        cluster_id=settings.CAMUNDA_CLUSTER_ID,
        region=settings.CAMUNDA_CLUSTER_REGION,
    )


def worker_config_from(options: dict[str, Any]) -> WorkerConfig:
    """Settings, overridden by the options given; ValueError names a bad value."""

    def pick(option: str, setting: str) -> Any:
        value = options.get(option)
        return getattr(settings, setting) if value is None else value

    job_types = options.get("job_types") or settings.ZEEBE_WORKER_JOB_TYPES or None
    max_jobs = int(pick("max_jobs_active", "ZEEBE_WORKER_MAX_JOBS_ACTIVE"))
    timeout = float(pick("job_timeout", "ZEEBE_WORKER_JOB_TIMEOUT"))
    if max_jobs < 1:
        raise ValueError(f"max jobs active must be at least 1, got {max_jobs}")
    if timeout <= 0:
        raise ValueError(f"job timeout must be more than 0 seconds, got {timeout:g}")
    fetch = options.get("fetch_variables") or settings.ZEEBE_WORKER_FETCH_VARIABLES
    config = WorkerConfig(
        job_types=tuple(job_types) if job_types else None,
        max_jobs_active=max_jobs,
        job_timeout_ms=int(timeout * 1000) if timeout else DEFAULT_JOB_TIMEOUT_MS,
        poll_interval=float(pick("poll_interval", "ZEEBE_WORKER_POLL_INTERVAL")),
        fetch_variables=parse_fetch_variables(fetch),
        stream=bool(pick("stream", "ZEEBE_WORKER_STREAM")),
        grace_period=float(pick("grace_period", "ZEEBE_WORKER_GRACE_PERIOD")),
    )
    name = options.get("name") or settings.ZEEBE_WORKER_NAME
    if name:
        config = dataclasses.replace(config, name=name)
    return config


async def run_in_database_thread(function: Callable[[], T]) -> T:
    """A blocking ORM call off the event loop, on a connection that is still usable."""

    def call() -> T:
        close_old_connections()
        return function()

    return await sync_to_async(call, thread_sensitive=True)()


def build_worker(options: dict[str, Any]) -> LiveWorker:
    """The hub's live worker for these options (tests build it the same way)."""
    gateway = gateway_from_settings(
        options.get("address"), options.get("tls"), options.get("rest_address")
    )
    problems = gateway.problems()
    no_address = not gateway.address and not gateway.rest_address
    if no_address and gateway.mode in ("plaintext", "tls"):
        problems.insert(
            0,
            "no gateway: set CAMUNDA_GRPC_ADDRESS or ZEEBE_ADDRESS (gRPC) or "
            "CAMUNDA_REST_ADDRESS (REST), or pass --address host:port or --rest-address URL",
        )
    if problems:
        raise ValueError("; ".join(problems))
    return LiveWorker(
        gateway,
        worker_config_from(options),
        # secrets, host rules, egress policy and the audit of secret uses, as dry-runs have
        environment=live_environment(run_blocking=run_in_database_thread),
        status_sink=DatabaseStatusSink(),
    )


class Command(BaseCommand):
    help = "Serve live Zeebe jobs with the hub's connectors until SIGTERM or Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        standalone_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            worker = build_worker(options)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        run_until_signalled(worker)
