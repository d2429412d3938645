"""One external task: the engine locks it, the runtime core runs it, one engine command answers.

A fetched `LockedTask` -> `JobRequest` (typed variables made plain and nested, the extension
properties as the headers, the topic's job type) -> the hub's `ExecutionEnvironment`
(`connectors.execution`: secrets, host rules, address policy, time limit, audit) ->
`run_async` -> exactly one command, as Camunda's connector runtime ends a Zeebe job
(`io.camunda.connector.runtime.outbound.job.SpringConnectorJobHandler`) translated into
Camunda 7's external task API:

- `Completed(variables)` -> complete with those variables, typed (`variables.typed_value`);
- `BpmnErrorOutcome(code, message, variables)` -> handleBpmnError;
- `Failed(message, retries, backoff, variables)` -> handleFailure with those retries, the
  backoff as retryTimeout, the error variables as local variables, the (already redacted)
  message, and as errorDetails the redacted error the runtime recorded. At 0 retries the
  engine raises an incident with that message.

While the call runs (and until its command is sent) the task's lock is extended every half lock
duration, so that a call longer than the lock keeps its task, and a dead worker's tasks come
back when the lock expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.engine7.client import EngineClient, EngineError, LockedTask
from connectors.engine7.variables import VariableError, nested, plain_value, typed_variables
from connectors.execution import ExecutionEnvironment
from connectors.runtime import BpmnErrorOutcome, Completed, Failed, JobRequest, Outcome

logger = logging.getLogger("connectors.engine7")
task_logger = logging.getLogger("connectors.engine7.tasks")

DEFAULT_RETRIES = 3  # a task the engine hands out first has no retries; Zeebe's default is 3
RETRIES_PROPERTY = "retries"  # the extension property that sets them (the template's retryCount)
MAX_ERROR_CHARS = 500
MAX_DETAILS_CHARS = 4000


@dataclass(frozen=True)
class TaskRecord:
    """What one task did: the log line and the status counters are made from it."""

    id: str
    topic: str
    type: str
    outcome: str
    duration_ms: float
    process_instance_id: str = ""
    process_definition_key: str = ""
    activity_id: str = ""
    retries: int | None = None
    retry_timeout_ms: int | None = None
    error_code: str | None = None
    message: str | None = None
    command_error: str | None = None
    secrets_used: tuple[str, ...] = ()

    def log_fields(self) -> dict[str, Any]:
        fields = {"event": "external_task", **dataclasses.asdict(self)}
        fields["duration_ms"] = round(self.duration_ms, 2)
        fields["secrets_used"] = list(self.secrets_used) or None
        return {key: value for key, value in fields.items() if value is not None}


Observer = Callable[[TaskRecord], None]
# Builds the environment of one task: the hub's audits its secret uses with the task's id.
EnvironmentFor = Callable[[LockedTask], ExecutionEnvironment]


def job_request(
    task: LockedTask, job_type: str, default_retries: int, needed: Collection[str] = ()
) -> JobRequest:
    """The runtime's view of a locked task. A variable the hub cannot read as JSON (a File,
    a Java-serialized Object) is left out, unless its top-level name is one the connector
    reads (NEEDED): then VariableError names it."""
    plain = {}
    for name, typed in task.variables.items():
        try:
            plain[name] = plain_value(name, typed)
        except VariableError:
            if name.split(".", 1)[0] in needed:
                raise
    return JobRequest(
        type=job_type,
        variables=nested(plain),
        headers=dict(task.extension_properties),
        retries=_retries(task, default_retries),
    )


def _retries(task: LockedTask, default: int) -> int:
    if task.retries is not None:
        return int(task.retries)
    configured = task.extension_properties.get(RETRIES_PROPERTY, "").strip()
    return int(configured) if configured.isdigit() else default


class ExternalTaskHandler:
    """Serves the tasks of all topics: a task in, the hub's environment runs it, one command out.

    TOPICS maps each topic to the job type whose connector serves it; LOCK_MS is the lock
    the worker asked for, extended every half of it while the call runs.
    """

    def __init__(
        self,
        client: EngineClient,
        *,
        topics: Mapping[str, str],
        environment_for: EnvironmentFor,
        lock_ms: int,
        default_retries: int = DEFAULT_RETRIES,
        observers: Sequence[Observer] = (),
    ) -> None:
        self.client = client
        self.topics = dict(topics)
        self.environment_for = environment_for
        self.lock_ms = lock_ms
        self.default_retries = default_retries
        self.observers = list(observers)
        self.in_flight: dict[str, tuple[LockedTask, asyncio.Task[Any] | None]] = {}

    async def on_task(self, task: LockedTask) -> TaskRecord:
        started = time.perf_counter()
        self.in_flight[task.id] = (task, asyncio.current_task())
        job_type = self.topics.get(task.topic_name, task.topic_name)
        try:
            record = await self._serve(task, job_type, started)
        except Exception as exc:  # the hub's own trouble (a database down): the engine retries
            logger.exception("external task %s (%s) could not be run", task.id, job_type)
            message = f"ConnectorHub worker error: {type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            retries = max(_retries(task, self.default_retries) - 1, 0)
            error = await self._fail(task, message, message, retries, 0, {})
            record = self._record(
                task,
                job_type,
                "failed",
                started,
                retries=retries,
                message=message,
                command_error=error,
            )
        finally:
            self.in_flight.pop(task.id, None)
        task_logger.info(json.dumps(record.log_fields(), separators=(",", ":"), default=str))
        for observe in self.observers:
            observe(record)
        return record

    async def _serve(self, task: LockedTask, job_type: str, started: float) -> TaskRecord:
        environment = self.environment_for(task)
        try:
            needed = _input_names(environment, job_type)
            request = job_request(task, job_type, self.default_retries, needed)
        except VariableError as exc:  # an input error, as Camunda's: no retries
            message = str(exc)[:MAX_ERROR_CHARS]
            error = await self._fail(task, message, message, 0, 0, {})
            return self._record(
                task, job_type, "failed", started, retries=0, message=message, command_error=error
            )
        # The lock is kept until the command is sent: a slow engine must not hand the task out
        # again between the end of the call and its completion.
        keeper = asyncio.create_task(self._keep_locked(task))
        try:
            outcome = await environment.run_async(request)
            command_error = await self._send(task, outcome)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        return self._outcome_record(task, job_type, outcome, started, command_error)

    async def _keep_locked(self, task: LockedTask) -> None:
        """Extend the lock every half lock duration while the call runs (Camunda 7's lock is
        the job timeout of Zeebe: when it passes, another worker may fetch the task)."""
        while True:
            await asyncio.sleep(self.lock_ms / 2000)
            try:
                await self.client.extend_lock(task.id, self.lock_ms)
            except EngineError as exc:
                logger.warning("external task %s: could not extend its lock: %s", task.id, exc)

    async def _send(self, task: LockedTask, outcome: Outcome) -> str | None:
        """The one command for OUTCOME; why it did not arrive, or None."""
        try:
            if isinstance(outcome, Completed):
                await self.client.complete(task.id, typed_variables(outcome.variables))
            elif isinstance(outcome, BpmnErrorOutcome):
                await self.client.bpmn_error(
                    task.id,
                    outcome.code,
                    outcome.message or "",
                    typed_variables(outcome.variables or {}),
                )
            else:
                backoff = 0 if outcome.backoff is None else outcome.backoff.total_seconds()
                return await self._fail(
                    task,
                    outcome.message,
                    _details(outcome),
                    outcome.retries,
                    int(backoff * 1000),
                    outcome.variables or {},
                )
        except EngineError as exc:
            return str(exc)[:MAX_ERROR_CHARS]
        return None

    async def _fail(
        self,
        task: LockedTask,
        message: str,
        details: str,
        retries: int,
        retry_timeout_ms: int,
        variables: Mapping[str, Any],
    ) -> str | None:
        try:
            await self.client.failure(
                task.id,
                message=message,
                details=details,
                retries=retries,
                retry_timeout_ms=retry_timeout_ms,
                local_variables=typed_variables(variables),
            )
        except EngineError as exc:
            return str(exc)[:MAX_ERROR_CHARS]
        return None

    async def release(self) -> int:
        """Cancel the calls still running and unlock their tasks, so that the engine hands
        them out at once rather than when their lock expires; returns how many it took back."""
        running = list(self.in_flight.values())
        for _, running_task in running:
            if running_task is not None and running_task is not asyncio.current_task():
                running_task.cancel()
        released = 0
        for task, _ in running:
            with contextlib.suppress(EngineError):
                await self.client.unlock(task.id)
                released += 1
        self.in_flight.clear()
        return released

    def _outcome_record(
        self,
        task: LockedTask,
        job_type: str,
        outcome: Outcome,
        started: float,
        command_error: str | None,
    ) -> TaskRecord:
        secrets = tuple(outcome.trace.secrets_used)
        if isinstance(outcome, BpmnErrorOutcome):
            return self._record(
                task,
                job_type,
                outcome.kind,
                started,
                error_code=outcome.code,
                message=outcome.message,
                command_error=command_error,
                secrets_used=secrets,
            )
        if isinstance(outcome, Failed):
            backoff = None if outcome.backoff is None else outcome.backoff.total_seconds()
            return self._record(
                task,
                job_type,
                outcome.kind,
                started,
                retries=outcome.retries,
                retry_timeout_ms=None if backoff is None else int(backoff * 1000),
                error_code=outcome.code,
                message=outcome.message[:MAX_ERROR_CHARS],
                command_error=command_error,
                secrets_used=secrets,
            )
        return self._record(
            task, job_type, outcome.kind, started, command_error=command_error, secrets_used=secrets
        )

    @staticmethod
    def _record(
        task: LockedTask, job_type: str, outcome: str, started: float, **fields: Any
    ) -> TaskRecord:
        return TaskRecord(
            id=task.id,
            topic=task.topic_name,
            type=job_type,
            outcome=outcome,
            duration_ms=(time.perf_counter() - started) * 1000,
            process_instance_id=task.process_instance_id,
            process_definition_key=task.process_definition_key,
            activity_id=task.activity_id,
            **fields,
        )


def _input_names(environment: ExecutionEnvironment, job_type: str) -> list[str]:
    """The top-level variables JOB_TYPE's connector reads (none when it is unknown: the
    runtime then fails the task, naming the job type)."""
    if job_type not in environment.registry:
        return []
    return environment.registry.get(job_type).fetch_variables


def _details(outcome: Failed) -> str:
    """errorDetails: the error the runtime recorded (type, code, message; redacted, as every
    value in the trace is), else the message."""
    error = outcome.trace.error
    if not error:
        return outcome.message
    text = json.dumps(error, ensure_ascii=False, default=str, sort_keys=True)
    return text[:MAX_DETAILS_CHARS]
