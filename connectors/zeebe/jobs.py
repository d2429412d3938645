"""One job: pyzeebe activates it, the runtime core runs it, one Zeebe command answers.

A transport activates a job (pyzeebe over gRPC, `connectors.zeebe.rest` over REST) ->
`JobRequest` -> the hub's `ExecutionEnvironment` (`connectors.execution`: secrets, host rules,
address policy, time limit, audit) -> `run_job_async` (validation, call, result and error
expressions, retries and backoff, all in `connectors.runtime`) -> exactly one Zeebe command
through the transport's `JobCommands`, as Camunda's connector runtime sends it
(docs/camunda-compat.md, 2.7):

- `Completed(variables, job_result)` -> CompleteJob with those variables and the connector's job
  result, if it returned one (REST only: a transport that cannot carry it, or a gateway that
  refuses it, fails the job with retries 0 and the reason, as resending cannot help);
- `BpmnErrorOutcome(code, message, variables)` -> ThrowError;
- `Failed(message, retries, backoff, variables)` -> FailJob with exactly those retries (not the
  job's retries - 1, which is all pyzeebe's own `set_failure_status` can send), the backoff and
  the error variables.

No `from __future__ import annotations` here: pyzeebe inspects task functions' annotations.
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from connectorhub_sdk import AddressPolicy, OutboundConnector
from pyzeebe import Job, JobController

from connectors.execution import Audit, ExecutionEnvironment
from connectors.execution import RunBlocking as RunBlocking  # the worker and router name it
from connectors.registry import Registry
from connectors.runtime import (
    BpmnErrorOutcome,
    Completed,
    Failed,
    HostLists,
    JobRequest,
    Outcome,
    job_timeout,
)
from connectors.secrets import SecretProvider

logger = logging.getLogger("connectors.zeebe")  # one name for the whole adapter
job_logger = logging.getLogger("connectors.zeebe.jobs")

MAX_ERROR_CHARS = 500  # the status page shows the start of the last error
UNBOUND = (
    "the connector router has no gRPC channel: build it with connector_router(channel=...) "
    "or call connectors.zeebe.routing.bind_channel(router, channel)"
)


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


class CommandRejected(Exception):
    """A job command did not arrive (the gateway refused it or went away); the text says why."""


class JobResultRefused(CommandRejected):
    """A completion's job result cannot arrive: the transport cannot carry one, or the gateway
    found it malformed. The same completion would be refused again, so the job fails instead."""


class JobCommands(Protocol):
    """The four job commands, as a transport sends them; each raises CommandRejected."""

    async def complete(
        self,
        job_key: int,
        variables: Mapping[str, Any],
        result: Mapping[str, Any] | None = None,
    ) -> None: ...

    async def fail(
        self,
        job_key: int,
        retries: int,
        message: str,
        backoff_ms: int,
        variables: Mapping[str, Any],
    ) -> None: ...

    async def throw_error(
        self, job_key: int, code: str, message: str, variables: Mapping[str, Any]
    ) -> None: ...

    async def update_timeout(self, job_key: int, timeout_ms: int) -> None: ...


def job_request(job: Job) -> JobRequest:
    """The runtime's view of an activated pyzeebe job."""
    return JobRequest(
        type=job.type,
        variables=dict(job.variables or {}),
        headers={str(k): str(v) for k, v in (job.custom_headers or {}).items()},
        retries=job.retries,
        key=job.key,
    )


class _Dispatch(Exception):
    """Raised by the task function so that pyzeebe hands the job to the exception handler
    and sends no command of its own: after a task function returns, pyzeebe completes the
    job, and the one command must be the handler's (FailJob with exact retries, ThrowError)."""


async def _dispatch(**_variables: Any) -> dict[str, Any]:
    """What pyzeebe calls for each job: everything happens in `on_job` (see `_Dispatch`)."""
    raise _Dispatch


class ConnectorJobHandler:
    """Serves the jobs of one connector: a job in, the hub's environment runs it, one Zeebe
    command out.

    ENVIRONMENT is the hub's (`connectors.execution.hub.live_environment`); without one, it is
    made from SECRETS, ALLOWED_HOSTS, ADDRESS_POLICY and RUN_BLOCKING (an embedded router,
    tests), auditing nothing unless AUDIT is given. The worker's TIME_LIMIT and
    DEFAULT_TIME_LIMIT apply unless the environment sets its own.
    """

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
        environment: ExecutionEnvironment | None = None,
        audit: Audit | None = None,
    ) -> None:
        self.connector = connector
        if environment is None:
            environment = ExecutionEnvironment(
                source="live",
                secrets=secrets,
                registry=registry,
                allowed_hosts=allowed_hosts,
                address_policy=address_policy,
                audit=audit,
                run_blocking=run_blocking,
            )
        self.environment = environment.with_time_limits(time_limit, default_time_limit)
        self.observers = list(observers)
        self.in_flight: dict[int, tuple[Job, JobCommands, asyncio.Task[Any] | None]] = {}
        self.grpc_commands: JobCommands | None = None  # bound to the worker's channel

    # The pyzeebe task function; a plain function, since the job's variables arrive as keyword
    # arguments and a method's `self` would clash with a variable of that name.
    task = staticmethod(_dispatch)

    def bind(self, commands: JobCommands) -> None:
        """The gRPC commands for jobs pyzeebe hands over (`routing.bind_channel`)."""
        self.grpc_commands = commands

    async def on_exception(self, exc: Exception, job: Job, controller: JobController) -> None:
        commands = self.grpc_commands
        if commands is None:
            # Only pyzeebe's public controller is at hand, which cannot send exact retries.
            logger.error("job %s (%s): %s", job.key, job.type, UNBOUND)
            await controller.set_failure_status(UNBOUND)
            return
        if isinstance(exc, _Dispatch):
            await self.on_job(job, commands)
            return
        # Only a bug in pyzeebe's own argument passing gets here; the job is retried.
        logger.error("job %s (%s): %r before the connector ran", job.key, job.type, exc)
        await _send_failure(commands, job, str(exc), max(job.retries - 1, 0), 0, {})

    async def on_job(self, job: Job, commands: JobCommands) -> JobRecord:
        """The job handler of both transports: one job in, one command out through COMMANDS."""
        started = time.perf_counter()
        task = asyncio.current_task()
        self.in_flight[job.key] = (job, commands, task)
        try:
            outcome = await self._run(job, commands)
            command_error = await _send(outcome, job, commands)
            record = _record(job, outcome, (time.perf_counter() - started) * 1000, command_error)
        except Exception as exc:  # the hub's own trouble (a database down): Zeebe retries
            logger.exception("job %s (%s) could not be run", job.key, job.type)
            message = f"ConnectorHub worker error: {type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            retries = max(job.retries - 1, 0)
            command_error = await _send_failure(commands, job, message, retries, 0, {})
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

    async def _run(self, job: Job, commands: JobCommands) -> Outcome:
        request = job_request(job)
        timeout = job_timeout(request.headers)
        if timeout is not None:
            await self._extend_timeout(job, commands, timeout.total_seconds())
        return await self.environment.run_async(request)

    async def release(self) -> int:
        """Stop the jobs still running and hand them back to Zeebe at once (FailJob with the
        same retries and no backoff) instead of letting them wait for their timeout; returns
        how many Zeebe took back."""
        running = list(self.in_flight.values())
        for _, _, task in running:
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        released = 0
        for job, commands, _ in running:
            message = "released: the ConnectorHub worker stopped before the job finished"
            if await _send_failure(commands, job, message, job.retries, 0, {}) is None:
                released += 1
        self.in_flight.clear()
        return released

    async def _extend_timeout(self, job: Job, commands: JobCommands, seconds: float) -> None:
        # Camunda's runtime applies the jobTimeout header with UpdateJobTimeout before the call.
        try:
            await commands.update_timeout(job.key, int(seconds * 1000))
        except CommandRejected as exc:
            logger.warning("job %s: could not apply jobTimeout: %r", job.key, exc)


async def _send(outcome: Outcome, job: Job, commands: JobCommands) -> str | None:
    """The one Zeebe command for OUTCOME; the reason it did not arrive, or None."""
    try:
        if isinstance(outcome, Completed):
            try:
                await commands.complete(job.key, outcome.variables, outcome.job_result)
            except JobResultRefused as exc:  # an incident names it rather than a silent loss
                reason = _command_error(exc)
                unsent = await _send_failure(commands, job, reason, 0, 0, {})
                return reason if unsent is None else f"{reason}; {unsent}"[:MAX_ERROR_CHARS]
        elif isinstance(outcome, BpmnErrorOutcome):
            await commands.throw_error(
                job.key, outcome.code, outcome.message or "", outcome.variables or {}
            )
        else:
            backoff_ms = 0 if outcome.backoff is None else outcome.backoff.total_seconds() * 1000
            return await _send_failure(
                commands,
                job,
                outcome.message,
                outcome.retries,
                int(backoff_ms),
                outcome.variables or {},
            )
    except CommandRejected as exc:
        return _command_error(exc)
    return None


async def _send_failure(
    commands: JobCommands,
    job: Job,
    message: str,
    retries: int,
    backoff_ms: int,
    variables: Mapping[str, Any],
) -> str | None:
    try:
        await commands.fail(job.key, retries, message, backoff_ms, variables)
    except CommandRejected as exc:
        return _command_error(exc)
    return None


def _command_error(exc: CommandRejected) -> str:
    # The job is not lost: Zeebe hands it out again when its timeout passes.
    return str(exc)[:MAX_ERROR_CHARS]


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
