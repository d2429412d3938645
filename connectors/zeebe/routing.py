"""The router: every registered connector as a pyzeebe task.

`connector_router()` is what a team's own pyzeebe application includes:
`worker.include_router(connector_router())`; the live worker serves the same router.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import grpc
from connectorhub_sdk import AddressPolicy, OutboundConnector
from pyzeebe import ZeebeTaskRouter

from connectors.execution import ExecutionEnvironment
from connectors.registry import Registry, default_registry
from connectors.runtime import HostLists
from connectors.secrets import EnvironmentSecretProvider, SecretProvider
from connectors.zeebe.grpc_commands import GrpcCommands
from connectors.zeebe.jobs import ConnectorJobHandler, Observer, RunBlocking

DEFAULT_JOB_TIMEOUT_MS = 300_000  # Camunda's clients default to 5 minutes
DEFAULT_MAX_JOBS_ACTIVE = 32
FETCH_ALL: Sequence[str] = ()  # a fetch list meaning "every variable"


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
    environment: ExecutionEnvironment | None = None,
    channel: grpc.aio.Channel | None = None,
) -> ZeebeTaskRouter:
    """A pyzeebe router serving every registered connector (or only `job_types`).

        worker = ZeebeWorker(channel)
        worker.include_router(connector_router(channel=channel))

    - `channel`: the worker's gRPC channel, on which each job's one command is sent
      (`bind_channel` binds a router built without one, or rebinds it after a reconnect).

    - `secrets`: where `{{secrets.X}}` is looked up; default the environment (`SECRET_X`).
    - `timeout_ms`: the job timeout requested on activation; a job's `jobTimeout` header
      extends it. The connector call is abandoned at that timeout (or at `time_limit` seconds).
    - `max_jobs_active`: jobs of one type activated and running at once.
    - `fetch_variables`: job type -> variable names; by default the connector's input fields
      (Camunda's `inputVariables`); `FETCH_ALL` (empty) fetches every variable.
    - `address_policy`: the HTTP connectors' egress policy (none by default: no check).
    - `observers`: called with a `JobRecord` after each job (counters, tests).
    - `run_blocking`: how a secret provider that blocks (a database) is called off the loop.
    - `environment`: the hub's execution environment (`connectors.execution.hub.live_environment`),
      which replaces `secrets`, `allowed_hosts`, `address_policy` and `run_blocking`.

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
            environment=environment,
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
    if channel is not None:
        bind_channel(router, channel)
    return router


def bind_channel(router: ZeebeTaskRouter, channel: grpc.aio.Channel) -> ZeebeTaskRouter:
    """Send the job commands of ROUTER's handlers on CHANNEL (the pyzeebe worker's own)."""
    commands = GrpcCommands(channel)
    for handler in handlers_of(router):
        handler.bind(commands)
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
