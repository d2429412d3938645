"""The outbound job handler: one job in, one outcome out, phase by phase.

Both adapters call it: the Celery dry-run task (`run_job`) and the Zeebe worker
(`run_job_async`). It knows nothing of Django, Celery or gRPC. One job goes through:

1. headers: `retryBackoff` and `jobTimeout` must be ISO-8601 durations (else fail, 0 retries);
2. secrets: `{{secrets.X}}` and `secrets.X` references in the variables are replaced;
3. binding: the variables are validated into the connector's input model;
4. call: the function runs with a time limit (calling.py);
5. mapping: `resultVariable` and `resultExpression` build the output variables;
6. `errorExpression` is evaluated against the output (or the error) and may turn the result
   into a BPMN error, a job failure or an ignored error.

Follows `io.camunda.connector.runtime.outbound.job.SpringConnectorJobHandler` (the phases and
the fail/throw/complete commands) with `JobHandlerContext` and `SecretHandler` for the input;
each phase's rules live in the module named in docs/runtime.md, which also lists every rule
with its source and the few places where we deliberately differ.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypeAlias

from connectorhub_sdk import (
    JSON,
    AddressPolicy,
    ConnectorContext,
    ConnectorInputError,
    ConnectorResponse,
    ExchangeRecorder,
    OutboundConnector,
    bind_input,
)
from connectorhub_sdk.documents import DocumentStore
from connectorhub_sdk.javatext import java_text
from pydantic import BaseModel

from connectors.registry import Registry, default_registry
from connectors.secrets import (
    Redactor,
    SecretError,
    SecretProvider,
    find_references,
    resolve_references,
)

from . import calling
from .capture import LogCapture, _fields, _stored_exchange
from .errors import (
    MAX_ERROR_MESSAGE_LENGTH,
    ErrorResult,
    error_result,
    java_type,
    message_of,
    names_no_value,
    unwrap,
    value_free,
)
from .expressions import (
    EXPRESSION_TIME_FLOOR,
    FEEL_LOG,
    examine_error_expression,
    optional_verdict_text,
    output_variables,
    verdict_backoff,
    verdict_text,
    verdict_variables,
)
from .headers import ERROR_EXPRESSION, check_job_timeout, retry_backoff
from .outcome import BpmnErrorOutcome, Completed, Failed, JobRequest, Outcome, Trace
from .secret_rules import (
    WITHHELD_EXCHANGE_ERROR,
    HostLists,
    borrowed_names,
    egress_rule,
    refuse_feel_over_borrowed,
)
from .values import json_value

Clock: TypeAlias = Callable[[], float]


def run_job(
    job: JobRequest,
    *,
    secrets: SecretProvider,
    registry: Registry | None = None,
    time_limit: float | None = None,
    allowed_hosts: HostLists | None = None,
    clock: Clock = time.perf_counter,
    address_policy: AddressPolicy | None = None,
    document_store: DocumentStore | None = None,
) -> Outcome:
    """Run one job to its outcome, synchronously (the Celery adapter and the CLI).

    `time_limit` (seconds) bounds the connector call: a sync function runs on the runtime's
    executor, an async one on a private event loop. A call that overruns is abandoned (Python
    cannot kill a thread) and the job fails with retries - 1. `allowed_hosts(name)` gives the
    host patterns a secret may be sent to (in the hub `connectors.secrets.store.host_rules_for`);
    `context.check_egress` enforces them. `address_policy` (the hub's egress policy,
    `connectors.network.allowlist.policy_from_settings`) reaches connectors as
    `context.address_policy`; None means no address check. `document_store` is the store
    behind `context.documents` (None: the connector can neither create nor load documents).
    """
    run = _Run(job, secrets, registry or default_registry(), time_limit, clock, allowed_hosts)
    run.address_policy = address_policy
    run.document_store = document_store
    ready = run.prepare()
    if ready is not None:
        with run.calling():
            run.result = run.returned(calling.call_sync(*run.call_arguments(*ready)))
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
    document_store: DocumentStore | None = None,
) -> Outcome:
    """run_job for an asyncio program (the pyzeebe worker): async connectors run on the
    caller's loop, sync ones on the runtime's executor (`configure_call_threads`)."""
    run = _Run(job, secrets, registry or default_registry(), time_limit, clock, allowed_hosts)
    run.address_policy = address_policy
    run.document_store = document_store
    ready = run.prepare()
    if ready is not None:
        with run.calling():
            run.result = run.returned(await calling.call_async(*run.call_arguments(*ready)))
    return run.finish()


_NO_SECRETS = Redactor(())  # masks nothing; for the runs that use no secret


class _Run:
    """One job's way through the phases; `finish` turns what happened into the outcome."""

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
        self.job_result: dict[str, Any] | None = None
        self.capture: LogCapture | None = None
        self.exchanges = ExchangeRecorder()
        self.address_policy: AddressPolicy | None = None
        self.document_store: DocumentStore | None = None
        # the phase being timed (trace.timings_ms) and when it began
        self.phase: str | None = None
        self.phase_started = 0.0

    # -- phases ------------------------------------------------------------------------------

    def prepare(self) -> tuple[OutboundConnector, BaseModel, ConnectorContext] | None:
        """Headers, secrets and binding; None when the run already failed."""
        try:
            self.backoff = retry_backoff(self.headers)
            check_job_timeout(self.headers)
            connector = self.registry.get(self.job.type)
            self.begin("secrets")
            variables = self._resolve_secrets()
            self.begin("validation")
            data = bind_input(connector, variables, typed=self.job.variables)
            self._end()
        except Exception as exc:  # every failure becomes an outcome
            self._end()
            self.exception = unwrap(exc)
            return None
        return connector, data, self._context()

    def finish(self) -> Outcome:
        self.begin("mapping")
        if self.exception is None:
            try:
                self.output = output_variables(
                    self.result,
                    self.headers,
                    self._feel_log(),
                    self._expression_time(),
                    self.document_store,
                )
            except Exception as exc:
                self.exception = exc
        failure: ErrorResult | None = None
        if self.exception is None:
            value: JSON = self.output if self.output else self.result
        else:
            failure = self._error_result(self.exception)
            self.trace.error = failure.error
            value = failure.response_value
        outcome = self._apply_error_expression(value, failure)
        self._end()
        self._complete_trace(outcome)
        return outcome

    def call_arguments(
        self, connector: OutboundConnector, data: BaseModel, ctx: ConnectorContext
    ) -> tuple[Callable[..., Any], bool, tuple[Any, ...], float | None, calling.Deadline]:
        """What calling.call_sync / call_async take for this run."""
        deadline = None if ctx.deadline is None else (ctx.deadline, self.clock)
        return connector.function, connector.is_async, (data, ctx), self.time_limit, deadline

    def returned(self, value: Any) -> JSON:
        """The connector's response; a job result it returned beside it is kept for completion."""
        if isinstance(value, ConnectorResponse):
            self.job_result = json_value(value.job_result.as_job_result())
            value = value.value
        return json_value(value)

    @contextlib.contextmanager
    def calling(self) -> Iterator[None]:
        """Time the call; its exception becomes the run's failure."""
        self.begin("call")
        try:
            yield
        except Exception as exc:
            self.exception = unwrap(exc)

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
            raise value_free(ConnectorInputError(str(exc))) from exc
        self._use_secrets(dict(resolved.used))
        self.borrowed = borrowed_names(self.provider, resolved.used)
        if self.borrowed:
            refuse_feel_over_borrowed(self.job.variables, self.borrowed, resolved.used)
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
        self.capture = LogCapture(self.job.type, self.redactor)
        deadline = None if self.time_limit is None else self.clock() + self.time_limit
        return ConnectorContext(
            job_type=self.job.type,
            headers=dict(self.headers),
            logger=self.capture.logger,
            exchanges=self.exchanges,
            deadline=deadline,
            clock=self.clock,
            job_key=self.job.key,
            retries=self.job.retries,
            egress_rule=egress_rule(
                self.used_secrets, self.allowed_hosts, self.provider, typed=self.job.variables
            ),
            address_policy=self.address_policy,
            redact=self.redactor.redact_text,
            document_store=self.document_store,
        )

    def _error_result(self, exc: BaseException) -> ErrorResult:
        return error_result(
            exc,
            message=self._mask(self._shown_message(exc)),
            redactor=self.redactor,
            retries=self.job.retries - 1,
            backoff=self.backoff,
        )

    def _shown_message(self, exc: BaseException) -> str:
        """EXC's message, unless a borrowed secret may be in it in some other spelling.

        A connector that fails before any answer came back can only have built its message
        from the input, after the secrets were filled in: a host name lower-cased from a
        secret, a URL it could not parse. With a borrowed secret in the input such a message is
        withheld (the error expression sees the same text). Messages the runtime writes
        without values (binding, secrets, headers, host rules, time limits) are shown."""
        message = message_of(exc)
        if not self.borrowed or names_no_value(exc) or self._answered():
            return message
        names = ", ".join(f"'{name}'" for name in sorted(self.borrowed))
        return (
            f"The connector stopped before any answer came back ({java_type(exc)}). Its "
            f"message is not shown: it was made from the input after secret(s) {names}, which "
            "belong to someone else, were filled in, and could reveal them. Run it with a "
            "secret of your own to see the message."
        )

    def _answered(self) -> bool:
        """Whether a server answered this run (what it said was not computed here)."""
        return any(exchange.status is not None for exchange in self.exchanges)

    def _apply_error_expression(self, value: JSON, earlier: ErrorResult | None) -> Outcome:
        """Evaluate errorExpression on every job and turn its verdict into the outcome."""
        try:
            verdict = self._examine_error_expression(value)
        except Exception as exc:  # Camunda: fail with 0 retries, no backoff
            failure = self._error_result(unwrap(exc))
            self.trace.error_expression = {
                "expression": self.headers.get(ERROR_EXPRESSION),
                "error": failure.error,
            }
            return self._failed(failure.message, 0, None, failure.response_value)
        if verdict is None:
            if earlier is None:
                return Completed(self.output, self.trace, job_result=self.job_result)
            return self._failed(
                earlier.message,
                earlier.retries,
                earlier.backoff,
                earlier.response_value,
                code=earlier.error.get("code"),
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
        return self.capture.logger if self.capture else FEEL_LOG

    def _examine_error_expression(self, value: JSON) -> dict[str, Any] | None:
        seen: dict[str, Any] = {}
        try:
            return examine_error_expression(
                self.headers,
                value,
                retries=self.job.retries,
                log=self._feel_log(),
                time_limit=self._expression_time(),
                seen=seen,
                documents=self.document_store,
            )
        finally:
            if seen:
                self.trace.error_expression = seen

    def _outcome_of(self, verdict: dict[str, Any]) -> Outcome:
        kind = verdict["errorType"]
        variables = verdict_variables(verdict)
        if kind == "ignoreError":
            # as Camunda's handleIgnoreError: a job result is never dropped silently
            if self.exception is None and self.job_result is not None:
                refusal = "ignoreError is not supported for a connector that returns a job result"
                return self._failed(refusal, 0, None, self.redactor.redact(variables))
            return Completed(variables, self.trace)  # the result variables are dropped
        if kind == "bpmnError":
            message = optional_verdict_text(verdict.get("errorMessage"), "errorMessage")
            return BpmnErrorOutcome(
                code=verdict_text(verdict["errorCode"], "errorCode"),
                message=None if message is None else self._mask(message)[:MAX_ERROR_MESSAGE_LENGTH],
                variables=self.redactor.redact(variables),
                trace=self.trace,
            )
        message = optional_verdict_text(verdict.get("errorMessage"), "errorMessage") or ""
        variables["error"] = message  # Camunda's JobError.variablesWithErrorMessage
        retries = verdict.get("retries")
        backoff = verdict.get("retryBackoff")
        return self._failed(
            self._mask(message),
            int(retries) if isinstance(retries, int | float) else 0,
            verdict_backoff(backoff),
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
        text = f"{message} | Error variables: {java_text(variables)}"
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
        self.trace.response = redact(self.result)
        if isinstance(outcome, Completed) and outcome.job_result is not None:
            self.trace.job_result = redact(outcome.job_result)
        if self.trace.error_expression is not None:
            self.trace.error_expression = redact(self.trace.error_expression)
        variables = outcome.variables
        self.trace.variables = redact(variables) if variables is not None else None
        self.trace.logs = self.capture.records if self.capture else []
        self.trace.exchanges = [_stored_exchange(_fields(x), redact) for x in self.exchanges]
        if self.borrowed:  # as _shown_message: no answer, so the error was made from the input
            for exchange in self.trace.exchanges:
                if exchange.get("status") is None and exchange.get("error"):
                    exchange["error"] = WITHHELD_EXCHANGE_ERROR
        self.trace.duration_ms = _ms(self.clock() - self.started)

    # -- helpers -----------------------------------------------------------------------------

    def _mask(self, text: str) -> str:
        return self.redactor.redact_text(text)

    def begin(self, phase: str) -> None:
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
