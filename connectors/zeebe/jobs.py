"""The Zeebe adapter: live jobs through the same runtime core as dry-runs.

One job: pyzeebe activates it -> `JobRequest` -> `run_job_async` (secrets, validation, call,
result and error expressions, retries and backoff, all in `connectors.runtime`) -> exactly one
Zeebe command, as Camunda's connector runtime sends it (docs/camunda-compat.md, 2.7):

- `Completed(variables)` -> CompleteJob with those variables;
- `BpmnErrorOutcome(code, message, variables)` -> ThrowError;
- `Failed(message, retries, backoff, variables)` -> FailJob with exactly those retries (not the
  job's retries - 1, which is all pyzeebe's own `set_failure_status` can send), the backoff and
  the error variables.

Three ways to use it (docs/zeebe-worker.md):

- `connector_router()`: a pyzeebe `ZeebeTaskRouter` with every registered connector, for a
  team's own pyzeebe application: `worker.include_router(connector_router())`;
- `LiveWorker`: the supervised worker behind `manage.py zeebe_worker` (reconnects with backoff,
  graceful stop, heartbeat and counters for the status page);
- `python -m connectors.zeebe --job-type TYPE`: one connector alone, without Django (secrets
  from the environment).

This module needs no Django; the database parts (the status sink, the secrets chain) are
imported lazily by the code that uses them.

No `from __future__ import annotations` here: pyzeebe inspects task functions' annotations.
"""

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import grpc
from pyzeebe import (
    Job,
    JobController,
    ZeebeTaskRouter,
    ZeebeWorker,
    create_camunda_cloud_channel,
    create_insecure_channel,
    create_oauth2_client_credentials_channel,
    create_secure_channel,
)
from pyzeebe.errors import PyZeebeError
from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc

from connectors.registry import Registry, default_registry
from connectors.runtime import (
    BpmnErrorOutcome,
    Completed,
    Failed,
    HostLists,
    JobRequest,
    Outcome,
    job_timeout,
    run_job_async,
)
from connectors.sdk import AddressPolicy, OutboundConnector
from connectors.secrets import EnvironmentSecretProvider, SecretError, SecretProvider
from connectors.secrets.references import find_references

logger = logging.getLogger("connectors.zeebe")  # the same name when run with -m
job_logger = logging.getLogger("connectors.zeebe.jobs")

T = TypeVar("T")

DEFAULT_JOB_TIMEOUT_MS = 300_000  # Camunda's clients default to 5 minutes
DEFAULT_MAX_JOBS_ACTIVE = 32
MAX_ERROR_CHARS = 500  # the status page shows the start of the last error
FETCH_ALL: Sequence[str] = ()  # a fetch list meaning "every variable"

# Blocking secret lookups (the hub's database provider) run through this; asyncio.to_thread
# by default.
RunBlocking = Callable[[Callable[[], T]], Awaitable[T]]


# --------------------------------------------------------------------------------------------
# One job
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobRecord:
    """What one job did: the structured log line and the counters are made from it.

    `outcome` is `completed`, `bpmn_error` or `failed`; `command_error` says why the Zeebe
    command did not arrive (the job timed out meanwhile, the gateway went away). `message` is
    the runtime's message, which it has already redacted.
    """

    key: int
    type: str
    outcome: str
    duration_ms: float
    process_instance_key: int = 0
    bpmn_process_id: str = ""
    element_id: str = ""
    retries: int | None = None
    backoff_ms: float | None = None
    error_code: str | None = None
    message: str | None = None
    command_error: str | None = None
    secrets_used: tuple[str, ...] = ()

    def log_fields(self) -> dict[str, Any]:
        fields = {
            "event": "job",
            "key": self.key,
            "type": self.type,
            "outcome": self.outcome,
            "duration_ms": round(self.duration_ms, 2),
            "process_instance_key": self.process_instance_key,
            "bpmn_process_id": self.bpmn_process_id,
            "element_id": self.element_id,
            "retries": self.retries,
            "backoff_ms": self.backoff_ms,
            "error_code": self.error_code,
            "message": self.message,
            "command_error": self.command_error,
            "secrets_used": list(self.secrets_used) or None,
        }
        return {key: value for key, value in fields.items() if value is not None}


Observer = Callable[[JobRecord], None]


def job_request(job: Job) -> JobRequest:
    """The runtime's view of an activated pyzeebe job."""
    return JobRequest(
        type=job.type,
        variables=dict(job.variables or {}),
        headers={str(k): str(v) for k, v in (job.custom_headers or {}).items()},
        retries=job.retries,
        key=job.key,
    )


class _Prefetched:
    """The secrets one job refers to, looked up before the run.

    The runtime asks its provider synchronously; the hub's database provider must not run on
    the event loop, so the names are found first and looked up in a thread.
    """

    label = "prefetched"

    def __init__(self, provider: SecretProvider, names: Iterable[str]) -> None:
        self._values: dict[str, str | None] = {}
        self._errors: dict[str, SecretError] = {}
        self._hosts: dict[str, list[str]] = {}
        self._where: dict[str, str] = {}
        hosts = getattr(provider, "allowed_hosts", None)
        describe = getattr(provider, "describe", None)
        for name in names:
            try:
                self._values[name] = provider.get(name)
            except SecretError as exc:  # re-raised at lookup: an input error of this job
                self._errors[name] = exc
            if callable(hosts):
                self._hosts[name] = list(hosts(name))
            if callable(describe):
                self._where[name] = str(describe(name))

    def get(self, name: str) -> str | None:
        if name in self._errors:
            raise self._errors[name]
        return self._values.get(name)

    def allowed_hosts(self, name: str) -> list[str]:
        return self._hosts.get(name, [])

    def describe(self, name: str) -> str:
        return self._where.get(name, "")


class _Dispatch(Exception):
    """Raised by the task function so that pyzeebe hands the job and its controller to
    `ConnectorJobHandler.on_job`: only the controller can send FailJob with exact retries and
    UpdateJobTimeout, and pyzeebe gives it to exception handlers only."""


async def _dispatch(**_variables: Any) -> dict[str, Any]:
    """What pyzeebe calls for each job: everything happens in `on_job` (see `_Dispatch`)."""
    raise _Dispatch


class ConnectorJobHandler:
    """Serves the jobs of one connector: runtime core in, one Zeebe command out."""

    def __init__(
        self,
        connector: OutboundConnector,
        *,
        secrets: SecretProvider,
        registry: Registry,
        time_limit: float | None = None,
        default_time_limit: float | None = None,
        allowed_hosts: HostLists | None = None,
        address_policy: AddressPolicy | None = None,
        observers: Sequence[Observer] = (),
        run_blocking: RunBlocking[Any] | None = None,
    ) -> None:
        self.connector = connector
        self.secrets = secrets
        self.registry = registry
        self.time_limit = time_limit
        self.default_time_limit = default_time_limit
        self.allowed_hosts = allowed_hosts
        self.address_policy = address_policy
        self.observers = list(observers)
        self.run_blocking = run_blocking
        self.in_flight: dict[int, tuple[Job, JobController, asyncio.Task[Any] | None]] = {}

    # The pyzeebe task function; a plain function, since the job's variables arrive as keyword
    # arguments and a method's `self` would clash with a variable of that name.
    task = staticmethod(_dispatch)

    async def on_exception(self, exc: Exception, job: Job, controller: JobController) -> None:
        if isinstance(exc, _Dispatch):
            await self.on_job(job, controller)
            return
        # Only a bug in pyzeebe's own argument passing gets here; the job is retried.
        logger.error("job %s (%s): %r before the connector ran", job.key, job.type, exc)
        await _send_failure(controller, job, str(exc), max(job.retries - 1, 0), 0, {})

    async def on_job(self, job: Job, controller: JobController) -> JobRecord:
        started = time.perf_counter()
        task = asyncio.current_task()
        self.in_flight[job.key] = (job, controller, task)
        try:
            outcome = await self._run(job, controller)
            command_error = await _send(outcome, job, controller)
            record = _record(job, outcome, (time.perf_counter() - started) * 1000, command_error)
        except Exception as exc:  # the hub's own trouble (a database down): Zeebe retries
            logger.exception("job %s (%s) could not be run", job.key, job.type)
            message = f"ConnectorHub worker error: {type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            retries = max(job.retries - 1, 0)
            command_error = await _send_failure(controller, job, message, retries, 0, {})
            record = JobRecord(
                key=job.key,
                type=job.type,
                outcome="failed",
                duration_ms=(time.perf_counter() - started) * 1000,
                process_instance_key=job.process_instance_key,
                bpmn_process_id=job.bpmn_process_id,
                element_id=job.element_id,
                retries=retries,
                message=message,
                command_error=command_error,
            )
        finally:
            self.in_flight.pop(job.key, None)
        job_logger.info(json.dumps(record.log_fields(), separators=(",", ":"), default=str))
        for observe in self.observers:
            observe(record)
        return record

    async def _run(self, job: Job, controller: JobController) -> Outcome:
        request = job_request(job)
        timeout = job_timeout(request.headers)
        if timeout is not None:
            await self._extend_timeout(job, controller, timeout.total_seconds())
        provider = await self._secrets_for(request)
        return await run_job_async(
            request,
            secrets=provider,
            registry=self.registry,
            time_limit=self._time_limit(timeout.total_seconds() if timeout else None),
            allowed_hosts=self.allowed_hosts,
            address_policy=self.address_policy,
        )

    async def release(self) -> int:
        """Stop the jobs still running and hand them back to Zeebe at once (FailJob with the
        same retries and no backoff) instead of letting them wait for their timeout; returns
        how many Zeebe took back."""
        running = list(self.in_flight.values())
        for _, _, task in running:
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        released = 0
        for job, controller, _ in running:
            message = "released: the ConnectorHub worker stopped before the job finished"
            if await _send_failure(controller, job, message, job.retries, 0, {}) is None:
                released += 1
        self.in_flight.clear()
        return released

    def _time_limit(self, header_seconds: float | None) -> float | None:
        # The connector call is abandoned when Zeebe would give the job to another worker anyway.
        if self.time_limit is not None:
            return self.time_limit
        return header_seconds or self.default_time_limit

    async def _secrets_for(self, request: JobRequest) -> SecretProvider:
        names = find_references(dict(request.variables))
        if not names:
            return self.secrets  # most jobs: no lookup, no thread
        if self.run_blocking is None:
            return _Prefetched(self.secrets, names)
        prefetched: _Prefetched = await self.run_blocking(lambda: _Prefetched(self.secrets, names))
        return prefetched

    async def _extend_timeout(self, job: Job, controller: JobController, seconds: float) -> None:
        # Camunda's runtime applies the jobTimeout header with UpdateJobTimeout before the call.
        try:
            await _adapter(controller).update_job_timeout(job.key, int(seconds * 1000))
        except PyZeebeError as exc:
            logger.warning("job %s: could not apply jobTimeout: %r", job.key, exc)


def _adapter(controller: JobController) -> Any:
    # pyzeebe 4.7 keeps the gateway adapter private to the controller and offers no FailJob
    # with explicit retries; tests/zeebe/test_worker.py pins the behaviour against the broker.
    return controller._zeebe_adapter


async def _send(outcome: Outcome, job: Job, controller: JobController) -> str | None:
    """The one Zeebe command for OUTCOME; the reason it did not arrive, or None."""
    try:
        if isinstance(outcome, Completed):
            await controller.set_success_status(variables=outcome.variables)
        elif isinstance(outcome, BpmnErrorOutcome):
            await controller.set_error_status(
                outcome.message or "", error_code=outcome.code, variables=outcome.variables
            )
        else:
            backoff_ms = 0 if outcome.backoff is None else outcome.backoff.total_seconds() * 1000
            return await _send_failure(
                controller,
                job,
                outcome.message,
                outcome.retries,
                int(backoff_ms),
                outcome.variables or {},
            )
    except PyZeebeError as exc:
        return _command_error(exc)
    return None


async def _send_failure(
    controller: JobController,
    job: Job,
    message: str,
    retries: int,
    backoff_ms: int,
    variables: Mapping[str, Any],
) -> str | None:
    try:
        await _adapter(controller).fail_job(
            job_key=job.key,
            retries=retries,
            message=message,
            retry_back_off_ms=backoff_ms,
            variables=dict(variables),
        )
    except PyZeebeError as exc:
        return _command_error(exc)
    return None


def _command_error(exc: PyZeebeError) -> str:
    # The job is not lost: Zeebe hands it out again when its timeout passes.
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


def _record(job: Job, outcome: Outcome, duration_ms: float, command_error: str | None) -> JobRecord:
    common: dict[str, Any] = {
        "key": job.key,
        "type": job.type,
        "outcome": outcome.kind,
        "duration_ms": duration_ms,
        "process_instance_key": job.process_instance_key,
        "bpmn_process_id": job.bpmn_process_id,
        "element_id": job.element_id,
        "command_error": command_error,
        "secrets_used": tuple(outcome.trace.secrets_used),
    }
    if isinstance(outcome, BpmnErrorOutcome):
        return JobRecord(**common, error_code=outcome.code, message=outcome.message)
    if isinstance(outcome, Failed):
        backoff = None if outcome.backoff is None else outcome.backoff.total_seconds() * 1000
        return JobRecord(
            **common,
            retries=outcome.retries,
            backoff_ms=backoff,
            error_code=outcome.code,
            message=outcome.message[:MAX_ERROR_CHARS],
        )
    return JobRecord(**common)


# --------------------------------------------------------------------------------------------
# The router: every registered connector as a pyzeebe task
# --------------------------------------------------------------------------------------------


def connector_router(
    *,
    registry: Registry | None = None,
    job_types: Iterable[str] | None = None,
    secrets: SecretProvider | None = None,
    timeout_ms: int = DEFAULT_JOB_TIMEOUT_MS,
    max_jobs_active: int = DEFAULT_MAX_JOBS_ACTIVE,
    fetch_variables: Mapping[str, Sequence[str]] | None = None,
    time_limit: float | None = None,
    allowed_hosts: HostLists | None = None,
    address_policy: AddressPolicy | None = None,
    observers: Sequence[Observer] = (),
    run_blocking: RunBlocking[Any] | None = None,
) -> ZeebeTaskRouter:
    """A pyzeebe router serving every registered connector (or only `job_types`).

        worker = ZeebeWorker(channel)
        worker.include_router(connector_router())

    - `secrets`: where `{{secrets.X}}` is looked up; default the environment (`SECRET_X`).
    - `timeout_ms`: the job timeout requested on activation; a job's `jobTimeout` header
      extends it. The connector call is abandoned at that timeout (or at `time_limit` seconds).
    - `max_jobs_active`: jobs of one type activated and running at once.
    - `fetch_variables`: job type -> variable names; by default the connector's input fields
      (Camunda's `inputVariables`); `FETCH_ALL` (empty) fetches every variable.
    - `address_policy`: the HTTP connectors' egress policy (none by default: no check).
    - `observers`: called with a `JobRecord` after each job (counters, tests).
    - `run_blocking`: how a secret provider that blocks (a database) is called off the loop.

    Raises ValueError naming the job types no registered connector serves.
    """
    registry = registry or default_registry()
    connectors = _connectors_for(registry, job_types)
    secrets = secrets if secrets is not None else EnvironmentSecretProvider()
    fetch = dict(fetch_variables or {})
    unknown_fetch = sorted(set(fetch) - {c.type for c in connectors})
    if unknown_fetch:
        raise ValueError(f"fetch_variables names job types not served: {', '.join(unknown_fetch)}")
    if max_jobs_active < 1 or timeout_ms < 1:
        raise ValueError("max_jobs_active and timeout_ms must be at least 1")
    router = ZeebeTaskRouter()
    for connector in connectors:
        handler = ConnectorJobHandler(
            connector,
            secrets=secrets,
            registry=registry,
            time_limit=time_limit,
            default_time_limit=timeout_ms / 1000,
            allowed_hosts=allowed_hosts,
            address_policy=address_policy,
            observers=observers,
            run_blocking=run_blocking,
        )
        names = fetch.get(connector.type, connector.fetch_variables)
        router.task(
            connector.type,
            exception_handler=handler.on_exception,
            # An empty list asks Zeebe for every variable, which is what FETCH_ALL means.
            variables_to_fetch=list(names),
            timeout_ms=timeout_ms,
            max_jobs_to_activate=max_jobs_active,
            max_running_jobs=max_jobs_active,
        )(handler.task)  # type: ignore[arg-type]  # pyzeebe's ParamSpec typing
    return router


def _connectors_for(registry: Registry, job_types: Iterable[str] | None) -> list[OutboundConnector]:
    if job_types is None:
        return registry.all()
    wanted = list(dict.fromkeys(job_types))
    unknown = [t for t in wanted if t not in registry]
    if unknown:
        known = ", ".join(c.type for c in registry.all())
        raise ValueError(
            f"no connector is registered for job type(s) {', '.join(unknown)} (known: {known})"
        )
    if not wanted:
        raise ValueError("no job types to serve")
    return [registry.get(t) for t in wanted]


def handlers_of(router: ZeebeTaskRouter) -> list[ConnectorJobHandler]:
    """The handlers behind a router's tasks (to release their in-flight jobs)."""
    found = []
    for task in router.tasks:
        handler = getattr(task.config.exception_handler, "__self__", None)
        if isinstance(handler, ConnectorJobHandler):
            found.append(handler)
    return found


# --------------------------------------------------------------------------------------------
# Counters and status
# --------------------------------------------------------------------------------------------

OUTCOMES = ("completed", "failed", "bpmn_error")


@dataclass
class LastError:
    at: datetime
    message: str
    job_type: str = ""


class JobStats:
    """Per-minute counts of outcomes, and the last error; an `Observer`.

    `take_pending()` hands over what was counted since the last call, so the status sink can
    add it to what earlier runs of the worker stored (a restart keeps the hour's figures).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.totals = dict.fromkeys(OUTCOMES, 0)
        self.pending: dict[int, dict[str, int]] = {}
        self.last_error: LastError | None = None

    def __call__(self, record: JobRecord) -> None:
        minute = int(self.clock() // 60)
        bucket = self.pending.setdefault(minute, dict.fromkeys(OUTCOMES, 0))
        bucket[record.outcome] = bucket.get(record.outcome, 0) + 1
        self.totals[record.outcome] = self.totals.get(record.outcome, 0) + 1
        if record.outcome == "failed" or record.command_error:
            text = record.message or ""
            if record.command_error:
                text = f"{text} (command not delivered: {record.command_error})".strip()
            self.error(text, record.type)

    def error(self, message: str, job_type: str = "") -> None:
        at = datetime.fromtimestamp(self.clock(), tz=UTC)
        self.last_error = LastError(at, message[:MAX_ERROR_CHARS], job_type)

    def take_pending(self) -> dict[int, dict[str, int]]:
        pending, self.pending = self.pending, {}
        return pending


@dataclass
class WorkerState:
    """What the status page shows about one live worker."""

    name: str
    address: str
    job_types: list[str]
    stats: JobStats
    connected: bool = False
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stopped: bool = False


class StatusSink(Protocol):
    """Where the worker's heartbeat goes (the hub: a database row per worker name)."""

    async def publish(self, state: WorkerState) -> None: ...


class NullStatusSink:
    """No status store (the standalone worker): the log is all there is."""

    async def publish(self, state: WorkerState) -> None:
        state.stats.take_pending()


class DatabaseStatusSink:
    """The hub's sink: `ZeebeWorkerStatus` rows, written in a thread off the event loop."""

    def __init__(self) -> None:
        self.failing = False

    async def publish(self, state: WorkerState) -> None:
        from asgiref.sync import sync_to_async

        from connectors.models.zeebe import ZeebeWorkerStatus

        pending = state.stats.take_pending()
        try:
            await sync_to_async(ZeebeWorkerStatus.record_heartbeat, thread_sensitive=True)(
                name=state.name,
                address=state.address,
                job_types=state.job_types,
                connected=state.connected,
                started_at=state.started_at,
                stopped=state.stopped,
                counts=pending,
                last_error=state.stats.last_error,
            )
        except Exception as exc:  # the database may be down; the jobs must go on
            if not self.failing:  # the traceback once, then a line per heartbeat
                logger.exception("could not store the worker status")
            else:
                logger.warning("could not store the worker status: %r", exc)
            self.failing = True
            _merge_back(state.stats, pending)
        else:
            self.failing = False


def _merge_back(stats: JobStats, pending: dict[int, dict[str, int]]) -> None:
    for minute, counts in pending.items():
        bucket = stats.pending.setdefault(minute, dict.fromkeys(OUTCOMES, 0))
        for outcome, count in counts.items():
            bucket[outcome] = bucket.get(outcome, 0) + count


# --------------------------------------------------------------------------------------------
# The gateway connection
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GatewayConfig:
    """How to reach the gateway: plaintext, TLS, Self-Managed OAuth or Camunda 8 SaaS.

    - `cluster_id` set: SaaS (`<cluster>.<region>.zeebe.camunda.io:443`, OAuth at
      login.cloud.camunda.io unless `authorization_server` says otherwise);
    - `client_id` set: Self-Managed with OAuth client credentials (always TLS);
    - `tls`: TLS without OAuth (`ca_certificate`: a PEM file, else the system's roots);
    - otherwise plaintext.
    """

    address: str = "127.0.0.1:26500"
    tls: bool = False
    ca_certificate: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    authorization_server: str = ""
    audience: str = ""
    scope: str = ""
    cluster_id: str = ""
    region: str = ""

    @property
    def mode(self) -> str:
        if self.cluster_id:
            return "saas"
        if self.client_id:
            return "oauth"
        return "tls" if self.tls else "plaintext"

    @property
    def display_address(self) -> str:
        if self.cluster_id:
            return f"{self.cluster_id}.{self.region or 'bru-2'}.zeebe.camunda.io:443"
        return self.address

    def problems(self) -> list[str]:
        """What is missing, named by setting; empty when the configuration can be used."""
        problems = []
        if self.mode in ("saas", "oauth") and not (self.client_id and self.client_secret):
            problems.append("ZEEBE_CLIENT_ID and ZEEBE_CLIENT_SECRET are both needed for OAuth")
        if self.mode == "oauth" and not self.authorization_server:
            problems.append("ZEEBE_AUTHORIZATION_SERVER_URL is needed for Self-Managed OAuth")
        if self.mode in ("plaintext", "tls") and ":" not in self.address:
            problems.append(f"ZEEBE_ADDRESS={self.address!r} must be host:port")
        if self.ca_certificate and not os.path.isfile(self.ca_certificate):
            problems.append(f"ZEEBE_CA_CERTIFICATE_PATH={self.ca_certificate!r} is not a file")
        return problems

    def channel(self) -> grpc.aio.Channel:
        """A new channel (the supervisor makes one per connection attempt)."""
        credentials = None
        if self.ca_certificate:
            with open(self.ca_certificate, "rb") as pem:
                credentials = grpc.ssl_channel_credentials(root_certificates=pem.read())
        if self.mode == "saas":
            return create_camunda_cloud_channel(
                client_id=self.client_id,
                client_secret=self.client_secret,
                cluster_id=self.cluster_id,
                region=self.region or "bru-2",
                authorization_server=self.authorization_server
                or "https://login.cloud.camunda.io/oauth/token",
                scope=self.scope or None,
                audience=self.audience or "zeebe.camunda.io",
                channel_credentials=credentials,
            )
        if self.mode == "oauth":
            return create_oauth2_client_credentials_channel(
                grpc_address=self.address,
                client_id=self.client_id,
                client_secret=self.client_secret,
                authorization_server=self.authorization_server,
                scope=self.scope or None,
                audience=self.audience or None,
                channel_credentials=credentials,
            )
        if self.tls:
            return create_secure_channel(grpc_address=self.address, channel_credentials=credentials)
        return create_insecure_channel(grpc_address=self.address)


async def gateway_answers(channel: grpc.aio.Channel, timeout: float = 3.0) -> str | None:
    """None when the gateway answers a Topology request, else why not."""
    stub = gateway_pb2_grpc.GatewayStub(channel)
    try:
        await stub.Topology(gateway_pb2.TopologyRequest(), timeout=timeout)
    except grpc.aio.AioRpcError as exc:
        return f"{exc.code().name}: {exc.details()}"
    except Exception as exc:  # OAuth token errors surface as plain exceptions
        return f"{type(exc).__name__}: {exc}"
    return None


# --------------------------------------------------------------------------------------------
# The supervised worker
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerConfig:
    """How the live worker polls and stops; see docs/zeebe-worker.md for each setting."""

    name: str = field(default_factory=lambda: f"connectorhub@{socket.gethostname()}")
    job_types: tuple[str, ...] | None = None
    max_jobs_active: int = DEFAULT_MAX_JOBS_ACTIVE
    job_timeout_ms: int = DEFAULT_JOB_TIMEOUT_MS
    poll_interval: float = 0.1
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
    """A pyzeebe worker that stays up: reconnects with backoff, stops gracefully, reports.

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
        )
        self.state = WorkerState(
            name=config.name,
            address=gateway.display_address,
            job_types=[task.type for task in self.router.tasks],
            stats=self.stats,
        )
        self.connections = 0  # successful connections so far (a reconnect makes it 2)
        self.grace_period = config.grace_period
        self.hurry = asyncio.Event()  # set: stop without waiting for running jobs

    async def run(self, stop: asyncio.Event) -> None:
        logger.info(
            "Zeebe worker %s: gateway %s (%s), job types %s",
            self.config.name,
            self.gateway.display_address,
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
            channel = self.gateway.channel()
            try:
                problem = await gateway_answers(channel)
                if problem is None:
                    attempt = 0
                    await self._serve(channel, stop)
                else:
                    self._lost(f"gateway {self.gateway.display_address} unreachable: {problem}")
            except _GatewayGone as gone:
                self._lost(str(gone))
            except Exception as exc:  # pyzeebe's worker died: log it and start a new one
                logger.exception("Zeebe worker failed")
                self._lost(f"worker error: {type(exc).__name__}: {exc}")
            finally:
                await channel.close()
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

    async def _serve(self, channel: grpc.aio.Channel, stop: asyncio.Event) -> None:
        worker = ZeebeWorker(
            channel,
            name=self.config.name,
            request_timeout=self.config.request_timeout_ms,
            # pyzeebe's own give-up would leave a silent idle worker; the supervisor decides.
            max_connection_retries=-1,
            poll_retry_delay=self.config.poll_interval,  # type: ignore[arg-type]
            stream_enabled=self.config.stream,
        )
        worker.include_router(self.router)
        self.connections += 1
        self.state.connected = True
        logger.info(
            "connected to %s (connection %d)", self.gateway.display_address, self.connections
        )
        await self.sink.publish(self.state)
        work = asyncio.create_task(worker.work())
        watch = asyncio.create_task(self._watch(channel))
        stopping = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait(
                {work, watch, stopping}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            watch.cancel()
            stopping.cancel()
            await self._stop_worker(worker, work)
        if watch in done and not watch.cancelled() and watch.exception() is None:
            raise _GatewayGone(watch.result())
        if work in done and work.exception() is not None:
            raise work.exception()  # type: ignore[misc]

    async def _watch(self, channel: grpc.aio.Channel) -> str:
        """Returns (why) when the gateway stopped answering."""
        failures = 0
        while True:
            await asyncio.sleep(self.config.heartbeat_interval)
            problem = await gateway_answers(
                channel, timeout=min(3.0, self.config.heartbeat_interval)
            )
            failures = failures + 1 if problem else 0
            if failures >= self.config.gateway_checks_to_fail:
                return f"gateway {self.gateway.display_address} went away: {problem}"

    async def _stop_worker(self, worker: ZeebeWorker, work: "asyncio.Task[None]") -> None:
        stopping = asyncio.create_task(worker.stop())  # returns once activated jobs are done
        hurry = asyncio.create_task(self.hurry.wait())
        done, _ = await asyncio.wait(
            {stopping, hurry}, timeout=self.grace_period, return_when=asyncio.FIRST_COMPLETED
        )
        hurry.cancel()
        if stopping not in done:
            released = sum([await handler.release() for handler in handlers_of(self.router)])
            logger.warning(
                "stopped with jobs still running: %d handed back to Zeebe, the rest time out",
                released,
            )
            stopping.cancel()
        for task in (stopping, work):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

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


# --------------------------------------------------------------------------------------------
# Standalone: one connector, no Django
# --------------------------------------------------------------------------------------------


def parse_fetch_variables(entries: Iterable[str]) -> dict[str, list[str]]:
    """`TYPE=a,b` entries (`TYPE=*` for every variable) -> {TYPE: [a, b]}."""
    result: dict[str, list[str]] = {}
    for entry in entries:
        job_type, sep, names = entry.partition("=")
        if not sep or not job_type.strip():
            raise ValueError(f"fetch variables {entry!r}: expected TYPE=var1,var2 or TYPE=*")
        listed = [n.strip() for n in names.split(",") if n.strip()]
        result[job_type.strip()] = [] if listed == ["*"] else listed
        if not listed:
            raise ValueError(f"fetch variables {entry!r}: no variable names after '='")
    return result


def standalone_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `python -m connectors.zeebe` and `manage.py zeebe_worker` share."""
    add = parser.add_argument
    add(
        "--job-type",
        action="append",
        dest="job_types",
        metavar="TYPE",
        help="serve this job type (repeatable; default: every registered connector)",
    )
    add("--address", help="gateway host:port (ZEEBE_ADDRESS)")
    add("--tls", action="store_true", default=None, help="TLS without OAuth (ZEEBE_TLS)")
    add("--plaintext", action="store_false", dest="tls", help="no TLS")
    add("--name", help="worker name shown in Zeebe and on the status page")
    add("--max-jobs-active", type=int, help="jobs of one type running at once")
    add("--job-timeout", type=float, metavar="SECONDS", help="job timeout on activation")
    add(
        "--poll-interval",
        type=float,
        metavar="SECONDS",
        help="pause before polling again when at --max-jobs-active",
    )
    add(
        "--fetch-variables",
        action="append",
        metavar="TYPE=a,b",
        help="variables fetched for TYPE (TYPE=* for all; repeatable)",
    )
    add("--stream", action="store_true", default=None, help="job streaming (Zeebe 8.4+)")
    add("--grace-period", type=float, metavar="SECONDS",
        help="how long a stop waits for running jobs")  # fmt: skip


def _env_gateway(address: str | None, tls: bool | None) -> GatewayConfig:
    env = os.environ
    return GatewayConfig(
        address=address or env.get("ZEEBE_ADDRESS") or "127.0.0.1:26500",
        tls=tls if tls is not None else env.get("ZEEBE_TLS", "").lower() in ("1", "true", "yes"),
        ca_certificate=env.get("ZEEBE_CA_CERTIFICATE_PATH", ""),
        client_id=env.get("ZEEBE_CLIENT_ID", ""),
        client_secret=env.get("ZEEBE_CLIENT_SECRET", ""),
        authorization_server=env.get("ZEEBE_AUTHORIZATION_SERVER_URL", ""),
        audience=env.get("ZEEBE_TOKEN_AUDIENCE", ""),
        scope=env.get("ZEEBE_TOKEN_SCOPE", ""),
        cluster_id=env.get("CAMUNDA_CLUSTER_ID", ""),
        region=env.get("CAMUNDA_CLUSTER_REGION", ""),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m connectors.zeebe --job-type io.camunda:http-json:1`: one connector alone.

    No database: secrets come from the environment (`SECRET_<NAME>`, prefix from
    CONNECTORHUB_SECRETS_ENV_PREFIX), no egress policy, no status page (the log only).
    """
    parser = argparse.ArgumentParser(prog="python -m connectors.zeebe", description=main.__doc__)
    standalone_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    gateway = _env_gateway(args.address, args.tls)
    try:
        config = WorkerConfig(
            **{
                key: value
                for key, value in {
                    "name": args.name,
                    "job_types": tuple(args.job_types) if args.job_types else None,
                    "max_jobs_active": args.max_jobs_active,
                    "job_timeout_ms": None
                    if args.job_timeout is None
                    else int(args.job_timeout * 1000),
                    "poll_interval": args.poll_interval,
                    "fetch_variables": parse_fetch_variables(args.fetch_variables or []),
                    "stream": args.stream,
                    "grace_period": args.grace_period,
                }.items()
                if value is not None
            }
        )
        prefix = os.environ.get("CONNECTORHUB_SECRETS_ENV_PREFIX", "SECRET_")
        worker = LiveWorker(gateway, config, secrets=EnvironmentSecretProvider(prefix=prefix))
    except ValueError as exc:
        parser.error(str(exc))
    problems = gateway.problems()
    if problems:
        parser.error("; ".join(problems))
    run_until_signalled(worker)
    return 0


if __name__ == "__main__":
    sys.exit(main())
