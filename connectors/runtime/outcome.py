"""Job in, outcome out: the types both adapters see (stored by `connectors.runs.stored`).

Follows Camunda's `io.camunda.connector.runtime.core.outbound.ConnectorResult` (a success with
its response, or an error) and the three commands `SpringConnectorJobHandler` ends a job with:
complete (`Completed`), throw a BPMN error (`BpmnErrorOutcome`), fail (`Failed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, TypeAlias

from connectorhub_sdk import JSON


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
    """What happened inside one run, for the run page; every value here is already redacted.

    `response` is the connector's raw return value (Camunda's resultExpression sees it as
    `response`); `variables` and `job_result` are the outcome's, redacted; `exchanges` are the
    connections of any protocol the connector recorded. `connectors.runs.stored` stores it.
    """

    job_type: str
    response: JSON = None
    error: dict[str, Any] | None = None
    error_expression: dict[str, Any] | None = None
    variables: dict[str, Any] | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    duration_ms: float = 0.0
    logs: list[dict[str, Any]] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    secrets_used: list[str] = field(default_factory=list)
    job_result: dict[str, Any] | None = None


@dataclass(frozen=True)
class Completed:
    """Complete the job with these variables, and the connector's job result if it returned one
    (`connectorhub_sdk.ConnectorResponse`; Camunda's `AdHocSubProcessConnectorResponse`)."""

    variables: dict[str, Any]
    trace: Trace = field(repr=False, compare=False)
    job_result: dict[str, Any] | None = None
    kind: Literal["completed"] = "completed"


@dataclass(frozen=True)
class BpmnErrorOutcome:
    """Throw a BPMN error with this code, message and variables."""

    code: str
    message: str | None
    variables: dict[str, Any]
    trace: Trace = field(repr=False, compare=False)
    kind: Literal["bpmn_error"] = "bpmn_error"


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


Outcome: TypeAlias = Completed | BpmnErrorOutcome | Failed
