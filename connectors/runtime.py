"""The runtime core: one job in, one outcome out, with Camunda's connector semantics.

Both adapters call it: the Celery dry-run task (`run_job`) and the Zeebe worker
(`run_job_async`). It knows nothing of Django, Celery or gRPC. One job goes through:

1. headers: `retryBackoff` and `jobTimeout` must be ISO-8601 durations (else fail, 0 retries);
2. secrets: `{{secrets.X}}` and `secrets.X` references in the variables are replaced;
3. binding: the variables are validated into the connector's input model;
4. call: the function runs with a time limit (async on an event loop, sync in a thread);
5. mapping: `resultVariable` and `resultExpression` build the output variables;
6. `errorExpression` is evaluated against the output (or the error) and may turn the result
   into a BPMN error, a job failure or an ignored error.

Every rule follows Camunda's Java runtime (camunda/connectors, SpringConnectorJobHandler,
ConnectorResultHandler, OutboundConnectorExceptionHandler); docs/runtime.md lists each rule with
its source and the few places where we deliberately differ.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import functools
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal, TypeAlias, TypeVar

from connectorhub_sdk import (
    JSON,
    AddressPolicy,
    ConnectorContext,
    ConnectorError,
    ConnectorInputError,
    ConnectorRetryError,
    EgressDenied,
    HttpExchange,
    HttpExchangeRecorder,
    OutboundConnector,
    bind_input,
)
from pydantic import BaseModel

from connectors import feel
from connectors.registry import Registry, UnknownJobType, default_registry
from connectors.secrets import (
    MappingSecretProvider,
    Redactor,
    SecretError,
    SecretHostNotAllowed,
    SecretProvider,
    check_allowed_host,
    find_references,
    resolve_references,
)
from connectors.secrets.references import find_references_in_text

RESULT_VARIABLE = "resultVariable"
RESULT_EXPRESSION = "resultExpression"
ERROR_EXPRESSION = "errorExpression"
RETRY_BACKOFF = "retryBackoff"
JOB_TIMEOUT = "jobTimeout"

MAX_ERROR_MESSAGE_LENGTH = 6000  # Camunda protects Zeebe from huge messages at this length
MAX_OUTPUT_BYTES = 1_572_864  # Camunda's InlineSizeGuard: 1.5 MiB of output variables
MAX_TRACE_BODY_CHARS = 65_536  # HTTP bodies kept in a run's trace
MAX_TRACE_LOG_RECORDS = 500
# A call that used its whole time limit still leaves its expressions this long (seconds), so
# that a slow but successful call is not failed by a result expression given no time at all.
EXPRESSION_TIME_FLOOR = 1.0

Clock: TypeAlias = Callable[[], float]
E = TypeVar("E", bound=BaseException)
HostLists: TypeAlias = Callable[[str], Sequence[str]]


# --------------------------------------------------------------------------------------------
# Job in, outcome out
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobRequest:
    """A job as the runtime sees it, whether it came from Zeebe or from a dry-run."""

    type: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    retries: int = 3
    key: int | None = None


@dataclass
class Trace:
    """What happened inside one run, for the run page; every value here is already redacted."""

    job_type: str
    result: JSON = None
    error: dict[str, Any] | None = None
    error_expression: dict[str, Any] | None = None
    variables: dict[str, Any] | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    duration_ms: float = 0.0
    logs: list[dict[str, Any]] = field(default_factory=list)
    http_exchanges: list[dict[str, Any]] = field(default_factory=list)
    secrets_used: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job_type": self.job_type,
            "result": self.result,
            "error": self.error,
            "error_expression": self.error_expression,
            "variables": self.variables,
            "timings_ms": self.timings_ms,
            "duration_ms": self.duration_ms,
            "logs": self.logs,
            "http_exchanges": self.http_exchanges,
            "secrets_used": self.secrets_used,
        }


@dataclass(frozen=True)
class Completed:
    """Complete the job with these variables."""

    variables: dict[str, Any]
    trace: Trace = field(repr=False, compare=False)
    kind: Literal["completed"] = "completed"

    def as_dict(self) -> dict[str, Any]:
        return _outcome_dict(self, error=None, retries=None, backoff=None)


@dataclass(frozen=True)
class BpmnErrorOutcome:
    """Throw a BPMN error with this code, message and variables."""

    code: str
    message: str | None
    variables: dict[str, Any]
    trace: Trace = field(repr=False, compare=False)
    kind: Literal["bpmn_error"] = "bpmn_error"

    def as_dict(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message}
        return _outcome_dict(self, error=error, retries=None, backoff=None)


@dataclass(frozen=True)
class Failed:
    """Fail the job: Zeebe retries it `retries` more times after `backoff`, else an incident.

    `variables` are set on the fail command, as Camunda does (`{error: {...}}` after an
    exception, the jobError variables plus `error` for `jobError`).
    """

    message: str
    retries: int
    backoff: timedelta | None
    variables: dict[str, Any] | None
    trace: Trace = field(repr=False, compare=False)
    code: str | None = None
    kind: Literal["failed"] = "failed"

    def as_dict(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message}
        return _outcome_dict(self, error=error, retries=self.retries, backoff=self.backoff)


Outcome: TypeAlias = Completed | BpmnErrorOutcome | Failed


def _outcome_dict(
    outcome: Outcome,
    *,
    error: dict[str, Any] | None,
    retries: int | None,
    backoff: timedelta | None,
) -> dict[str, Any]:
    """The stored, JSON-serialisable form (the `dryrun` command prints it as well)."""
    trace = outcome.trace
    return {
        "outcome": outcome.kind,
        "variables": trace.variables or {},
        "result": trace.result,
        "error": error,
        "retries": retries,
        "backoff_ms": None if backoff is None else backoff / timedelta(milliseconds=1),
        "duration_ms": trace.duration_ms,
        "trace": trace.as_dict(),
    }


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def run_job(
    job: JobRequest,
    *,
    secrets: SecretProvider,
    registry: Registry | None = None,
    time_limit: float | None = None,
    allowed_hosts: HostLists | None = None,
    clock: Clock = time.perf_counter,
    address_policy: AddressPolicy | None = None,
) -> Outcome:
    """Run one job to its outcome, synchronously (the Celery adapter and the CLI).

    `time_limit` (seconds) bounds the connector call: a sync function runs in a thread, an
    async one on a private event loop. A call that overruns is abandoned (Python cannot kill a
    thread) and the job fails with retries - 1. `allowed_hosts(name)` gives the host patterns a
    secret may be sent to (`connectors.secrets.store.allowed_hosts_for` in the hub);
    `context.check_egress` enforces them. `address_policy` (the hub's egress policy,
    `connectors.builtin.http.egress.policy_from_settings`) reaches connectors as
    `context.address_policy`; None means no address check.
    """
    run = _Run(job, secrets, registry or default_registry(), time_limit, clock, allowed_hosts)
    run.address_policy = address_policy
    ready = run.prepare()
    if ready is not None:
        run.call_sync(*ready)
    return run.finish()


async def run_job_async(
    job: JobRequest,
    *,
    secrets: SecretProvider,
    registry: Registry | None = None,
    time_limit: float | None = None,
    allowed_hosts: HostLists | None = None,
    clock: Clock = time.perf_counter,
    address_policy: AddressPolicy | None = None,
) -> Outcome:
    """run_job for an asyncio program (the pyzeebe worker): async connectors run on the
    caller's loop, sync ones in the default thread pool."""
    run = _Run(job, secrets, registry or default_registry(), time_limit, clock, allowed_hosts)
    run.address_policy = address_policy
    ready = run.prepare()
    if ready is not None:
        await run.call_async(*ready)
    return run.finish()


def parse_duration(text: str) -> timedelta:
    """An ISO-8601 duration as java.time.Duration.parse reads it (`PT30S`, `P1D`, `-PT1.5S`).

    Days are 24 hours; years, months and weeks are refused, as Java does.
    """
    return _parse_duration(text)


@functools.lru_cache(maxsize=256)  # the same few header values on every job of a type
def _parse_duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text)
    if match is None or not any(match.group(g) for g in ("d", "h", "m", "s")):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    if match.group("t") and not any(match.group(g) for g in ("h", "m", "s")):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    parts = {g: Decimal(match.group(g).replace(",", ".")) for g in "dhms" if match.group(g)}
    micros = (
        parts.get("d", 0) * 86_400_000_000
        + parts.get("h", 0) * 3_600_000_000
        + parts.get("m", 0) * 60_000_000
        + parts.get("s", 0) * 1_000_000
    )
    sign = -1 if match.group("sign") == "-" else 1
    return timedelta(microseconds=sign * int(micros))


_DURATION = re.compile(
    r"(?P<sign>[-+]?)P(?:(?P<d>[-+]?\d+)D)?"
    r"(?P<t>T(?:(?P<h>[-+]?\d+)H)?(?:(?P<m>[-+]?\d+)M)?(?:(?P<s>[-+]?\d+(?:[.,]\d{0,9})?)S)?)?",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------------------------
# Failures the runtime itself raises; `java_type` is what errorExpression sees as error.type
# --------------------------------------------------------------------------------------------


class _HeaderError(Exception):
    """A `retryBackoff` or `jobTimeout` header that is not a usable duration: 0 retries and
    no backoff, the connector is not called."""

    def __init__(self, message: str, java_type: str) -> None:
        super().__init__(message)
        self.java_type = java_type


class _ExpressionError(Exception):
    """A FEEL evaluation failure (Camunda's FeelEngineWrapperException): not an input error."""

    java_type = "io.camunda.connector.feel.FeelEngineWrapperException"


class _CallTimeout(Exception):
    java_type = "java.util.concurrent.TimeoutException"


class _NotJson(Exception):
    java_type = "com.fasterxml.jackson.databind.JsonMappingException"


# --------------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------------


@dataclass
class _ErrorResult:
    """Camunda's ConnectorResult.ErrorResult: what a failure looks like before errorExpression."""

    error: dict[str, Any]
    message: str
    retries: int
    backoff: timedelta | None

    @property
    def response_value(self) -> dict[str, Any]:
        return {"error": self.error}


_NO_SECRETS = Redactor(())  # masks nothing; shared by the runs that use no secret


class _Run:
    def __init__(
        self,
        job: JobRequest,
        secrets: SecretProvider,
        registry: Registry,
        time_limit: float | None,
        clock: Clock,
        allowed_hosts: HostLists | None,
    ) -> None:
        self.job = job
        self.allowed_hosts = allowed_hosts
        self.provider = secrets
        self.registry = registry
        self.time_limit = time_limit
        self.clock = clock
        self.started = clock()
        self.trace = Trace(job_type=job.type)
        self.headers = dict(job.headers)
        self.backoff: timedelta | None = None
        self.used_secrets: dict[str, str] = {}
        # secrets that belong to someone other than the person the run acts for (a dry-run of
        # another user's shared secret): nothing computed from them may reach the outcome
        self.borrowed: frozenset[str] = frozenset()
        self.redactor = _NO_SECRETS
        self.exception: BaseException | None = None
        self.result: JSON = None
        self.output: dict[str, Any] = {}
        self.capture: _LogCapture | None = None
        self.exchanges = HttpExchangeRecorder()
        self.address_policy: AddressPolicy | None = None
        # the phase being timed (trace.timings_ms) and when it began
        self.phase: str | None = None
        self.phase_started = 0.0

    # -- phases ------------------------------------------------------------------------------

    def prepare(self) -> tuple[OutboundConnector, BaseModel, ConnectorContext] | None:
        """Headers, secrets and binding; None when the run already failed."""
        try:
            self.backoff = _duration_header(self.headers, RETRY_BACKOFF)
            _check_job_timeout(self.headers)
            connector = self.registry.get(self.job.type)
            self._begin("secrets")
            variables = self._resolve_secrets()
            self._begin("validation")
            data = bind_input(connector, variables, typed=self.job.variables)
            self._end()
        except Exception as exc:  # every failure becomes an outcome
            self._end()
            self.exception = _unwrap(exc)
            return None
        return connector, data, self._context()

    def call_sync(
        self, connector: OutboundConnector, data: BaseModel, ctx: ConnectorContext
    ) -> None:
        self._begin("call")
        try:
            if connector.is_async:
                value = _run_coroutine_sync(lambda: connector.function(data, ctx), self.time_limit)
            elif ctx.deadline is not None and _ends_by_deadline(connector):
                value = self._call_here(connector, data, ctx, ctx.deadline)
            else:
                value = _run_in_thread(lambda: connector.function(data, ctx), self.time_limit)
            self.result = _result_value(value)
        except Exception as exc:
            self.exception = _unwrap(exc)
        self._end()

    def _call_here(
        self, connector: OutboundConnector, data: BaseModel, ctx: ConnectorContext, deadline: float
    ) -> Any:
        """A function that ends by its deadline on its own runs in this thread; whatever it
        returns or raises at or after the deadline is the time-limit failure, as from a thread
        abandoned at the deadline."""
        try:
            value = connector.function(data, ctx)
        except Exception:
            if self.clock() >= deadline:
                raise _timeout(self.time_limit) from None
            raise
        if self.clock() >= deadline:
            raise _timeout(self.time_limit)
        return value

    async def call_async(
        self, connector: OutboundConnector, data: BaseModel, ctx: ConnectorContext
    ) -> None:
        self._begin("call")
        try:
            if connector.is_async:
                value = await _bounded(connector.function(data, ctx), self.time_limit)
            else:
                thread_call = asyncio.to_thread(connector.function, data, ctx)
                value = await _bounded(thread_call, self.time_limit)
            self.result = _result_value(value)
        except Exception as exc:
            self.exception = _unwrap(exc)
        self._end()

    def finish(self) -> Outcome:
        self._begin("mapping")
        if self.exception is None:
            try:
                self.output = _output_variables(
                    self.result, self.headers, self._feel_log(), self._expression_time()
                )
            except Exception as exc:
                self.exception = exc
        if self.exception is None:
            error_result = None
            value: JSON = self.output if self.output else self.result
        else:
            error_result = self._error_result(self.exception)
            self.trace.error = error_result.error
            value = error_result.response_value
        outcome = self._apply_error_expression(value, error_result)
        self._end()
        self._complete_trace(outcome)
        return outcome

    # -- steps -------------------------------------------------------------------------------

    def _resolve_secrets(self) -> dict[str, Any]:
        try:
            variables = self.job.variables
            # the walk copies a dict; any other mapping is made one first
            resolved = resolve_references(
                variables if type(variables) is dict else dict(variables), self.provider
            )
        except SecretError as exc:
            # A missing secret, one the key cannot decrypt, a bad key: all input errors (0
            # retries) whose messages are safe to show. Mask whatever the other references
            # resolve to, as Camunda re-fetches them.
            self._use_secrets(self._fetch_referenced())
            raise _value_free(ConnectorInputError(str(exc))) from exc
        self._use_secrets(dict(resolved.used))
        self.borrowed = _borrowed_names(self.provider, resolved.used)
        if self.borrowed:
            _refuse_feel_over_borrowed(self.job.variables, self.borrowed, resolved.used)
        value: dict[str, Any] = resolved.value
        return value

    def _fetch_referenced(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in find_references(dict(self.job.variables)):
            try:
                secret = self.provider.get(name)
            except SecretError:
                continue  # unreadable now, so it cannot have reached any output either
            if secret is not None:
                found[name] = secret
        return found

    def _use_secrets(self, used: dict[str, str]) -> None:
        self.used_secrets = used
        self.redactor = Redactor(used.values()) if used else _NO_SECRETS
        self.trace.secrets_used = sorted(used)

    def _context(self) -> ConnectorContext:
        self.capture = _LogCapture(self.job.type, self.redactor)
        deadline = None if self.time_limit is None else self.clock() + self.time_limit
        return ConnectorContext(
            job_type=self.job.type,
            headers=dict(self.headers),
            logger=self.capture.logger,
            http_exchanges=self.exchanges,
            deadline=deadline,
            clock=self.clock,
            job_key=self.job.key,
            retries=self.job.retries,
            egress_rule=_egress_rule(
                self.used_secrets, self.allowed_hosts, self.provider, typed=self.job.variables
            ),
            address_policy=self.address_policy,
            redact=self.redactor.redact_text,
        )

    def _error_result(self, exc: BaseException) -> _ErrorResult:
        """Camunda's OutboundConnectorExceptionHandler: retries, backoff and the error map."""
        message = self._mask(self._shown_message(exc))
        error: dict[str, Any] = {
            "type": _java_type(exc),
            "message": message[:MAX_ERROR_MESSAGE_LENGTH],
        }
        if isinstance(exc, ConnectorError):
            if exc.code is not None:
                error["code"] = exc.code  # not masked: boundary events match on it
            if exc.variables is not None:
                error["variables"] = self.redactor.redact(_json_value(exc.variables))
        retries = self.job.retries - 1
        backoff = self.backoff
        if isinstance(exc, _HeaderError):
            retries, backoff = 0, None
        elif isinstance(exc, ConnectorRetryError):
            retries = exc.retries if exc.retries is not None else retries
            backoff = exc.backoff if exc.backoff is not None else backoff
        elif isinstance(exc, ConnectorInputError) or isinstance(exc.__cause__, ConnectorInputError):
            retries = 0
        return _ErrorResult(error, message, retries, backoff)

    def _shown_message(self, exc: BaseException) -> str:
        """EXC's message, unless a borrowed secret may be in it in some other spelling.

        A connector that fails before any answer came back can only have built its message
        from the input, after the secrets were filled in: a host name lower-cased from a
        secret, a URL it could not parse. With a borrowed secret in the input such a message is
        withheld (the error expression sees the same text). Messages the runtime writes
        without values (binding, secrets, headers, host rules, time limits) are shown."""
        message = _message_of(exc)
        if not self.borrowed or _names_no_value(exc) or self._answered():
            return message
        names = ", ".join(f"'{name}'" for name in sorted(self.borrowed))
        return (
            f"The connector stopped before any answer came back ({_java_type(exc)}). Its "
            f"message is not shown: it was made from the input after secret(s) {names}, which "
            "belong to someone else, were filled in, and could reveal them. Run it with a "
            "secret of your own to see the message."
        )

    def _answered(self) -> bool:
        """Whether a server answered this run (what it said was not computed here)."""
        return any(exchange.status is not None for exchange in self.exchanges)

    def _apply_error_expression(self, value: JSON, error_result: _ErrorResult | None) -> Outcome:
        """Evaluate errorExpression on every job and turn its verdict into the outcome."""
        try:
            verdict = self._examine_error_expression(value)
        except Exception as exc:  # Camunda: fail with 0 retries, no backoff
            failure = self._error_result(_unwrap(exc))
            self.trace.error_expression = {
                "expression": self.headers.get(ERROR_EXPRESSION),
                "error": failure.error,
            }
            return self._failed(failure.message, 0, None, failure.response_value)
        if verdict is None:
            if error_result is None:
                return Completed(self.output, self.trace)
            return self._failed(
                error_result.message,
                error_result.retries,
                error_result.backoff,
                error_result.response_value,
                code=error_result.error.get("code"),
            )
        return self._outcome_of(verdict)

    def _expression_time(self) -> float | None:
        """Seconds the result and error expressions may still take: what is left of the run's
        time limit, which also bounds the call, but at least EXPRESSION_TIME_FLOOR."""
        if self.time_limit is None:
            return None
        left = self.started + self.time_limit - self.clock()
        return max(left, EXPRESSION_TIME_FLOOR)

    def _feel_log(self) -> logging.Logger:
        """Where FEEL warnings go: the run's log when the connector ran, else the worker's."""
        return self.capture.logger if self.capture else _FEEL_LOG

    def _examine_error_expression(self, value: JSON) -> dict[str, Any] | None:
        expression = self.headers.get(ERROR_EXPRESSION)
        if expression is None or not expression.strip():
            return None
        context = _feel_context(value)
        context["job"] = {"retries": self.job.retries}
        result = _evaluate(expression, context, self._feel_log(), self._expression_time())
        self.trace.error_expression = {"expression": expression, "result": result}
        if result is None:
            return None
        _refuse_forbidden_literal(_dumps(result))
        if not isinstance(result, dict):
            raise ConnectorInputError(
                f"Failed to evaluate expression '{expression}'. Reason: Error expression must "
                f"return a JSON object, but got {_json_kind(result)}. Evaluated value: "
                f"{_dumps(result)}"
            )
        if not result:
            return None
        kind = result.get("errorType")
        if kind not in ("bpmnError", "jobError", "ignoreError"):
            raise ConnectorInputError(
                f"Failed to evaluate expression '{expression}'. Reason: Cannot parse "
                f"'{_dumps(result)}' as 'io.camunda.connector.runtime.core.error.ConnectorError'."
            )
        if kind == "bpmnError" and result.get("errorCode") is None:
            return None  # a BPMN error without a code is no error (BpmnError.hasCode)
        return result

    def _outcome_of(self, verdict: dict[str, Any]) -> Outcome:
        kind = verdict["errorType"]
        variables = _variables_of(verdict)
        if kind == "ignoreError":
            return Completed(variables, self.trace)  # the result variables are dropped
        if kind == "bpmnError":
            message = _optional_text(verdict.get("errorMessage"), "errorMessage")
            return BpmnErrorOutcome(
                code=_text(verdict["errorCode"], "errorCode"),
                message=None if message is None else self._mask(message)[:MAX_ERROR_MESSAGE_LENGTH],
                variables=self.redactor.redact(variables),
                trace=self.trace,
            )
        message = _optional_text(verdict.get("errorMessage"), "errorMessage") or ""
        variables["error"] = message  # Camunda's JobError.variablesWithErrorMessage
        retries = verdict.get("retries")
        backoff = verdict.get("retryBackoff")
        return self._failed(
            self._mask(message),
            int(retries) if isinstance(retries, int | float) else 0,
            _backoff_value(backoff),
            self.redactor.redact(variables),
        )

    def _failed(
        self,
        message: str,
        retries: int,
        backoff: timedelta | None,
        variables: dict[str, Any],
        code: str | None = None,
    ) -> Failed:
        # Camunda 8.9+: the incident message carries the error variables, Java-printed
        text = f"{message} | Error variables: {_java_text(variables)}"
        return Failed(
            message=self._mask(text)[:MAX_ERROR_MESSAGE_LENGTH],
            retries=max(retries, 0),
            backoff=backoff,
            variables=variables,
            trace=self.trace,
            code=code,
        )

    def _complete_trace(self, outcome: Outcome) -> None:
        redact = self.redactor.redact
        self.trace.result = redact(self.result)
        if self.trace.error_expression is not None:
            self.trace.error_expression = redact(self.trace.error_expression)
        variables = outcome.variables
        self.trace.variables = redact(variables) if variables is not None else None
        self.trace.logs = self.capture.records if self.capture else []
        self.trace.http_exchanges = [_stored_exchange(_fields(x), redact) for x in self.exchanges]
        if self.borrowed:  # as _shown_message: no answer, so the error was made from the input
            for exchange in self.trace.http_exchanges:
                if exchange.get("status") is None and exchange.get("error"):
                    exchange["error"] = _WITHHELD_EXCHANGE_ERROR
        self.trace.duration_ms = _ms(self.clock() - self.started)

    # -- helpers -----------------------------------------------------------------------------

    def _mask(self, text: str) -> str:
        return self.redactor.redact_text(text)

    def _begin(self, phase: str) -> None:
        """Time PHASE from now on (trace.timings_ms), ending the one timed before."""
        self._end()
        self.phase, self.phase_started = phase, self.clock()

    def _end(self) -> None:
        if self.phase is not None:
            timings = self.trace.timings_ms
            elapsed = _ms(self.clock() - self.phase_started)
            timings[self.phase] = timings.get(self.phase, 0.0) + elapsed
            self.phase = None


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


# --------------------------------------------------------------------------------------------
# Headers, binding, calling
# --------------------------------------------------------------------------------------------


def _duration_header(headers: Mapping[str, str], key: str) -> timedelta | None:
    """Camunda parses `retryBackoff` when present at all (blank included) before the call."""
    text = headers.get(key)
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError:
        raise _HeaderError(
            "Failed to parse retry backoff header. Expected ISO-8601 duration, e.g. PT5M, "
            f"got: {text}",
            "io.camunda.connector.runtime.core.error.InvalidBackOffDurationException",
        ) from None


def _check_job_timeout(headers: Mapping[str, str]) -> timedelta | None:
    """`jobTimeout` must be a positive duration when set; the Zeebe adapter applies it."""
    text = headers.get(JOB_TIMEOUT)
    if text is None or not text.strip():
        return None
    java_type = "io.camunda.connector.runtime.core.error.InvalidJobTimeoutException"
    try:
        timeout = parse_duration(text)
    except ValueError:
        raise _HeaderError(
            "Failed to parse job timeout header. Expected ISO-8601 duration, e.g. PT10M, "
            f"got: {text}",
            java_type,
        ) from None
    if timeout < timedelta(milliseconds=1):
        raise _HeaderError(f"Job timeout must be a positive duration, got: {text}", java_type)
    return timeout


def header_refusals(headers: Mapping[str, str]) -> dict[str, str]:
    """{header key: the message run_job fails the job with} for the `retryBackoff` and
    `jobTimeout` values it refuses: the same checks, so that forms refuse them before a run."""
    refused: dict[str, str] = {}
    for key, check in (
        (RETRY_BACKOFF, functools.partial(_duration_header, key=RETRY_BACKOFF)),
        (JOB_TIMEOUT, _check_job_timeout),
    ):
        try:
            check(headers)
        except _HeaderError as exc:
            refused[key] = str(exc)
    return refused


def job_timeout(headers: Mapping[str, str]) -> timedelta | None:
    """The `jobTimeout` header for the Zeebe adapter (None when unset or invalid; an invalid
    one makes run_job fail the job)."""
    try:
        return _check_job_timeout(headers)
    except _HeaderError:
        return None


def _ends_by_deadline(connector: OutboundConnector) -> bool:
    """A sync function marked `ends_by_deadline = True` promises to return or raise by its
    context's deadline (the HTTP connectors: every socket operation is capped by it)."""
    return getattr(connector.function, "ends_by_deadline", False) is True


def _run_in_thread(call: Callable[[], Any], time_limit: float | None) -> Any:
    """Call inline when there is no limit; else on one of the call threads, waiting at most
    TIME_LIMIT (the call is abandoned after that)."""
    if time_limit is None:
        return call()
    return _call_threads.run(call, time_limit)


class _Task:
    """One call handed to a call thread; `done` is released once it has finished."""

    __slots__ = ("call", "done", "error", "value")

    def __init__(self, call: Callable[[], Any]) -> None:
        self.call = call
        self.done = threading.Lock()
        self.done.acquire()
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.call()
        except BaseException as exc:  # handed back to the waiting thread
            self.error = exc


class _CallThreads:
    """Daemon threads for sync connector calls under a time limit, reused between calls.

    A new thread per call cost more than a local HTTP request (docs/http-connectors.md). A call
    that overruns keeps its thread, as Python cannot stop it, and the next call takes another
    idle thread or starts one: unlike a fixed-size pool, abandoned calls never make later jobs
    wait (and time out) in a queue. Daemon threads, unlike concurrent.futures' workers, do not
    hold the process at exit while an abandoned call is stuck.
    """

    def __init__(self, max_idle: int = 8, idle_seconds: float = 60.0) -> None:
        self.max_idle = max_idle
        self.idle_seconds = idle_seconds
        self._idle: list[_CallThread] = []
        self._lock = threading.Lock()

    def run(self, call: Callable[[], Any], time_limit: float | None) -> Any:
        """CALL's value (or its exception); _CallTimeout after TIME_LIMIT seconds (None: wait
        as long as it takes)."""
        task = _Task(call)
        # Lock.acquire reads a negative timeout as "forever"; Thread.join read it as 0
        wait = -1.0 if time_limit is None else max(time_limit, 0.0)
        self._take().inbox.put(task)
        finished = task.done.acquire(timeout=wait)
        if not finished:
            raise _timeout(time_limit)
        if task.error is not None:
            raise task.error
        return task.value

    def _take(self) -> _CallThread:
        with self._lock:
            if self._idle:
                return self._idle.pop()  # the most recently used: warm caches
        thread = _CallThread(self)
        thread.start()
        return thread

    def release(self, thread: _CallThread) -> bool:
        """After a call: True if THREAD waits for the next one, False if it should end."""
        with self._lock:
            if len(self._idle) >= self.max_idle:
                return False
            self._idle.append(thread)
            return True

    def retire(self, thread: _CallThread) -> bool:
        """After idle_seconds without work: True if THREAD may end; False when it was just
        taken for a call that is on its way."""
        with self._lock:
            if thread in self._idle:
                self._idle.remove(thread)
                return True
            return False


class _CallThread(threading.Thread):
    def __init__(self, pool: _CallThreads) -> None:
        super().__init__(name="connector-call", daemon=True)
        self.pool = pool
        self.inbox: queue.SimpleQueue[_Task] = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            try:
                task = self.inbox.get(timeout=self.pool.idle_seconds)
            except queue.Empty:
                if self.pool.retire(self):
                    return
                continue
            task.run()
            # idle again before the caller wakes, so its next call finds this thread
            keep = self.pool.release(self)
            task.done.release()
            del task  # an idle thread keeps no result alive
            if not keep:
                return


_call_threads = _CallThreads()


async def _bounded(awaitable: Any, time_limit: float | None) -> Any:
    """Await with a time limit; unlike wait_for, a TimeoutError the connector raises itself
    stays its own failure."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=time_limit)
    if not done:
        task.cancel()
        raise _timeout(time_limit)
    return task.result()


def _run_coroutine_sync(make: Callable[[], Any], time_limit: float | None) -> Any:
    async def bounded() -> Any:
        return await _bounded(make(), time_limit)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(bounded())
    # called from inside an event loop (e.g. an async view): asyncio.run refuses to run there,
    # so our own loop runs on a call thread (bounded() applies the time limit)
    return _call_threads.run(lambda: asyncio.run(bounded()), None)


def _timeout(time_limit: float | None) -> _CallTimeout:
    return _CallTimeout(f"The connector did not finish within its time limit of {time_limit:g} s")


def _egress_rule(
    used: Mapping[str, str],
    allowed_hosts: HostLists | None,
    provider: SecretProvider,
    *,
    typed: Mapping[str, Any],
) -> Callable[[str], None]:
    """check_egress for a run: every secret in the input must be allowed to go to the host.

    The host lists come from `allowed_hosts`, else from a provider that offers
    `allowed_hosts(name)`; none means no per-secret rule. A refusal names the host only when
    it stands in TYPED (the input as given): a host built from a secret's value is not named.
    """
    if not used:
        return _no_egress_rule  # no secret in the input: nothing to keep anywhere
    lookup = allowed_hosts or getattr(provider, "allowed_hosts", None)
    rules: list[tuple[str, list[str]]] = []
    if callable(lookup):
        for name in sorted(used):
            hosts = lookup(name)
            if hosts:
                rules.append((name, list(hosts)))

    def check(host: str) -> None:
        for name, hosts in rules:
            try:
                check_allowed_host(name, host, hosts)
            except SecretHostNotAllowed as exc:
                if _typed_by_user(host, typed):
                    raise _value_free(EgressDenied(str(exc))) from None
                shown = SecretHostNotAllowed(name, _UNNAMED_HOST, hosts)
                raise _value_free(EgressDenied(str(shown))) from None

    return check


_WITHHELD_EXCHANGE_ERROR = (
    "(not shown: made before any answer, from an input holding someone else's secret)"
)
_UNNAMED_HOST = "a host made from the input's secret values (not named here)"


def _typed_by_user(host: str, typed: Mapping[str, Any]) -> bool:
    """Whether HOST (`name` or `name:port`) stands as it is in the input as given."""
    needle = host.lower()
    return any(needle in text.lower() for _, text in _texts_with_paths(typed, ""))


def _no_egress_rule(host: str) -> None:
    return None


# --------------------------------------------------------------------------------------------
# Borrowed secrets (docs/secrets.md, threat model)
# --------------------------------------------------------------------------------------------


def _value_free(exc: E) -> E:
    """Mark EXC as one whose message the runtime wrote without any input value in it."""
    exc.names_no_value = True  # type: ignore[attr-defined]
    return exc


def _names_no_value(exc: BaseException) -> bool:
    return (
        getattr(exc, "names_no_value", False) is True
        or isinstance(exc, _HeaderError | _CallTimeout)
        or getattr(exc.__cause__, "names_no_value", False) is True
    )


def _borrowed_names(provider: SecretProvider, used: Mapping[str, str]) -> frozenset[str]:
    """The used secrets that PROVIDER says belong to someone else (none without an owner rule)."""
    borrowed = getattr(provider, "borrowed", None)
    if not callable(borrowed):
        return frozenset()
    return frozenset(name for name in used if borrowed(name))


def _refuse_feel_over_borrowed(
    variables: Mapping[str, Any], borrowed: frozenset[str], used: Mapping[str, str]
) -> None:
    """No FEEL may run over a borrowed secret's value.

    A connector reads a text that starts with `=` as FEEL when it binds its input (Camunda's
    @FEEL fields), after the secrets were filled in; such an expression could reverse or cut
    the value and have it shown in an error. A text that holds a borrowed reference and is
    FEEL once the secrets are in (it starts with `=`, or the value it starts with does) is
    refused before anything runs, naming the field.
    """
    values = MappingSecretProvider(dict(used))
    for path, text in _texts_with_paths(variables, ""):
        if "secrets." not in text:
            continue
        names = sorted(find_references_in_text(text) & borrowed)
        if not names:
            continue
        filled = str(resolve_references(text, values).value)
        if text.lstrip().startswith("=") or filled.lstrip().startswith("="):
            quoted = ", ".join(f"'{name}'" for name in names)
            error = ConnectorInputError(
                f"Property {path or '(input)'}: a FEEL expression (a value starting with '=') "
                f"may not use secret {quoted} in this dry-run. The secret belongs to someone "
                "else, and an expression could compute on its value and show the result. Use "
                "the reference in a plain value, or a secret of your own."
            )
            error.field = path or None
            raise _value_free(error)


def _texts_with_paths(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every text inside VALUE (keys included) with the dotted path of where it stands."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield inner, key
            yield from _texts_with_paths(item, inner)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _texts_with_paths(item, f"{path}.{index}" if path else str(index))


# --------------------------------------------------------------------------------------------
# Result and error expressions
# --------------------------------------------------------------------------------------------


def _output_variables(
    response: JSON, headers: Mapping[str, str], log: logging.Logger, time_limit: float | None
) -> dict[str, Any]:
    """resultVariable stores the whole response; resultExpression's entries are merged in."""
    output: dict[str, Any] = {}
    name = headers.get(RESULT_VARIABLE)
    if name is not None and name.strip():
        output[name] = response
    expression = headers.get(RESULT_EXPRESSION)
    mapped: JSON = None
    if expression is not None and expression.strip():
        mapped = _evaluate(expression, _feel_context(response), log, time_limit)
        if mapped is not None:
            if not isinstance(mapped, dict):
                raise ConnectorInputError(
                    f"Failed to evaluate expression '{expression}'. Reason: Result expression "
                    f"must return a JSON object, but got {_json_kind(mapped)}. Evaluated value: "
                    f"{_dumps(mapped)}"
                )
            output.update(mapped)
    text = _dumps(output) if output else ""
    # every entry of `mapped` is in `output`: serialise `mapped` again only on a hit
    if mapped is not None and _FORBIDDEN_LITERAL in text:
        _refuse_forbidden_literal(_dumps(mapped))
    # str.isascii() is O(1): the common ASCII text needs no encoding to be measured
    if (len(text) if text.isascii() else len(text.encode())) > MAX_OUTPUT_BYTES:
        raise ConnectorInputError(
            f"The output variables are larger than {MAX_OUTPUT_BYTES} bytes; map only what the "
            "process needs with a result expression"
        )
    return output


def _feel_context(value: JSON) -> dict[str, Any]:
    """The response's fields at top level (when it is an object), then `response` itself."""
    context: dict[str, Any] = dict(value) if isinstance(value, dict) else {}
    context["response"] = value
    return context


_FEEL_LOG = logging.getLogger("connectorhub.feel")
# Camunda refuses its intrinsic-function marker in what either expression gives
# (ConnectorResultHandler.FORBIDDEN_LITERALS); connectorResultFunction is not refused.
_FORBIDDEN_LITERAL = "camunda.function.type"


def _evaluate(
    expression: str, context: dict[str, Any], log: logging.Logger, time_limit: float | None
) -> JSON:
    text = expression.strip()
    text = text[1:].strip() if text.startswith("=") else text
    warnings: list[feel.Problem] = []
    try:
        # as feel-scala does: a call no function accepts is null plus a warning, not a failure
        value = feel.to_json(
            feel.evaluate(
                text,
                context,
                unknown_functions="null",
                warnings=warnings,
                time_limit=time_limit,
            )
        )
    except feel.FeelError as exc:
        raise _ExpressionError(
            f"Failed to evaluate expression '{expression}'. Reason: {exc}"
        ) from None
    for problem in warnings:
        log.warning(
            "FEEL expression '%s', line %d, column %d: %s",
            expression, problem.line, problem.column, problem.message,
        )  # fmt: skip
    return value


def _refuse_forbidden_literal(text: str) -> None:
    if _FORBIDDEN_LITERAL in text:
        raise ConnectorInputError(
            f"Failed to evaluate expression '{_FORBIDDEN_LITERAL}'. Reason: The connector "
            f"result contains a forbidden literal '{_FORBIDDEN_LITERAL}'."
        )


def _variables_of(verdict: dict[str, Any]) -> dict[str, Any]:
    variables = verdict.get("variables")
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ConnectorInputError(
            f"Cannot parse '{_dumps(verdict)}' as "
            "'io.camunda.connector.runtime.core.error.ConnectorError'."
        )
    return dict(variables)


def _text(value: Any, key: str) -> str:
    text = _optional_text(value, key)
    return "" if text is None else text


def _optional_text(value: Any, key: str) -> str | None:
    """Jackson's coercion of a scalar to String (numbers and booleans are accepted)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _java_text(value)
    raise ConnectorInputError(f"'{key}' of the error expression result must be a string")


def _backoff_value(value: Any) -> timedelta | None:
    """jobError's retryBackoff: a FEEL duration arrives as ISO text (`PT30S`); Jackson also
    reads a bare number as seconds."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError:
            raise ConnectorInputError(
                f"retryBackoff is not an ISO-8601 duration: {value}"
            ) from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise ConnectorInputError("retryBackoff of jobError must be a duration")


# --------------------------------------------------------------------------------------------
# Values and messages
# --------------------------------------------------------------------------------------------


_JSON_LEAVES = frozenset({str, int, float, bool, type(None)})


def _result_value(value: Any) -> JSON:
    """The connector's result as plain JSON. A result made of the exact JSON types only (what
    the HTTP connectors return) is used as it is: checking it costs half of copying it, and
    the runtime never changes a result."""
    return value if _is_plain_json(value) else _json_value(value)


def _is_plain_json(value: Any) -> bool:
    leaves = _JSON_LEAVES
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            item_kind = type(item)
            if item_kind not in leaves and not (
                (item_kind is dict or item_kind is list) and _is_plain_json(item)
            ):
                return False
        return True
    if kind is list:
        for item in value:
            item_kind = type(item)
            if item_kind not in leaves and not (
                (item_kind is dict or item_kind is list) and _is_plain_json(item)
            ):
                return False
        return True
    return kind in leaves


def _json_value(value: Any) -> JSON:
    """The connector's result as plain JSON: models dumped, tuples listed, anything else
    refused with a message that says what was returned."""
    # exact JSON types first, checked inline: a response body has many leaves
    leaves = _JSON_LEAVES
    kind = type(value)
    if kind in leaves:
        return value
    if kind is dict:
        return {
            (k if type(k) is str else _json_key(k)): (v if type(v) in leaves else _json_value(v))
            for k, v in value.items()
        }
    if kind is list:
        return [v if type(v) in leaves else _json_value(v) for v in value]
    return _other_json_value(value)


def _other_json_value(value: Any) -> JSON:
    """_json_value for models, subclasses of the JSON types, tuples and decimals."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, dict):
        return {_json_key(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, Decimal):
        return feel.to_json(value)
    raise _NotJson(f"The connector returned a value that is not JSON: {type(value).__name__}")


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int | float | bool) or key is None:
        return json.dumps(key)
    raise _NotJson(f"The connector returned a dict key that is not a string: {key!r}")


def _dumps(value: JSON) -> str:
    return _ENCODER.encode(value)


# one encoder for every job: json.dumps with options builds a new one on each call
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json_kind(value: JSON) -> str:
    """Jackson's node type name, as Camunda's messages use it."""
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"


def _java_text(value: Any) -> str:
    """How Java's Map/List/String#toString print a JSON value (`{a=1, b=[x, y]}`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value).replace("e+", "E").replace("e-", "E-")
    return str(value)


def _message_of(exc: BaseException) -> str:
    if isinstance(exc, ConnectorError | ConnectorInputError):
        return exc.message
    text = str(exc)
    return text if text else type(exc).__name__


def _java_type(exc: BaseException) -> str:
    """error.type: Camunda's class name for our SDK and runtime errors, else the Python one."""
    java_type = getattr(exc, "java_type", None)
    if isinstance(java_type, str):
        return java_type
    cls = type(exc)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def _unwrap(exc: BaseException) -> BaseException:
    """An unknown job type is an input error (nothing to retry)."""
    if isinstance(exc, UnknownJobType):
        return ConnectorInputError(str(exc))
    return exc


def _fields(exchange: HttpExchange) -> dict[str, Any]:
    """exchange.as_dict() without dataclasses.asdict's deep copy, which cost more than the rest
    of the trace: dicts (headers) are copied one level, everything else is text or a number."""
    stored = {}
    for name in _field_names(type(exchange)):
        value = getattr(exchange, name)
        kind = type(value)
        if kind is dict or kind is list:
            value = value.copy()
        elif isinstance(value, dict | list):
            value = copy.copy(value)
        stored[name] = value
    return stored


_FIELD_NAMES: dict[type[HttpExchange], tuple[str, ...]] = {}


def _field_names(cls: type[HttpExchange]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _stored_exchange(exchange: dict[str, Any], redact: Callable[[Any], Any]) -> dict[str, Any]:
    stored = redact(exchange)
    for key in ("request_body", "response_body"):
        body = stored.get(key)
        if isinstance(body, str) and len(body) > MAX_TRACE_BODY_CHARS:
            stored[key] = body[:MAX_TRACE_BODY_CHARS]
            stored[f"{key}_truncated"] = len(body)
    result: dict[str, Any] = stored
    return result


# --------------------------------------------------------------------------------------------
# Captured logs
# --------------------------------------------------------------------------------------------


class _LogCapture:
    """Keeps a run's log records (masked) and forwards them to the worker's log."""

    def __init__(self, job_type: str, redactor: Redactor) -> None:
        self.redactor = redactor
        self.records: list[dict[str, Any]] = []
        self.logger = _RunLogger(f"connectorhub.connectors.{job_type}", self)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.redactor.redact_text(record.getMessage())
        except Exception:  # a bad format string must not break the run
            message = self.redactor.redact_text(str(record.msg))
        if record.exc_info and record.exc_info[1] is not None:
            message += "\n" + self.redactor.redact_exception(record.exc_info[1])
        if len(self.records) < MAX_TRACE_LOG_RECORDS:
            self.records.append(
                {"time": record.created, "level": record.levelname, "message": message}
            )
        # the worker's logger, looked up only when there is something to forward
        logging.getLogger(self.logger.name).log(record.levelno, "%s", message)


class _RunLogger(logging.Logger):
    """A private logger per run (not from getLogger, so it is not kept forever) whose records
    go to the run's capture and nowhere else. The capture is called directly rather than as a
    logging.Handler, whose set-up (a lock, an entry in logging's global registry) cost more
    than the rest of the run's preparation."""

    def __init__(self, name: str, capture: _LogCapture) -> None:
        super().__init__(name, logging.DEBUG)
        self.propagate = False
        self.capture = capture

    def callHandlers(self, record: logging.LogRecord) -> None:
        self.capture.emit(record)
        if self.handlers:  # a connector may add handlers of its own
            super().callHandlers(record)


__all__ = [
    "ERROR_EXPRESSION",
    "JOB_TIMEOUT",
    "RESULT_EXPRESSION",
    "RESULT_VARIABLE",
    "RETRY_BACKOFF",
    "BpmnErrorOutcome",
    "Completed",
    "Failed",
    "JobRequest",
    "Outcome",
    "Trace",
    "job_timeout",
    "parse_duration",
    "run_job",
    "run_job_async",
]
