"""A run's outcome as it is stored: one typed, versioned record (`StoredOutcome`).

The runtime's outcome (`connectors.runtime.Completed` / `BpmnErrorOutcome` / `Failed` with their
`Trace`) becomes a record in one place, `StoredOutcome.from_outcome`; a failure around the
runtime (a dead worker, a refused start) in one other, `StoredOutcome.failure`. The record is
read back in one place, `StoredOutcome.load`, which refuses a row it cannot read (no version, or
a version it does not know) with a message saying so: rows of the shape before version 1 were
rewritten by migration 0007_stored_outcome.

Version rule: a change that a reader of version N cannot read (a field renamed, removed or
retyped) makes version N+1, with a data migration that rewrites the rows and a `load` that
accepts only the new number. Everything in the record is already redacted by the runtime.

No Django here: the model, the services, the run page, the API, the test cases and the `dryrun`
command all read this module, and it reads only the runtime's outcome types (and the replay's
problems, `replay_verdict`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from connectors.network.replay import ReplayPolicy
from connectors.runtime import BpmnErrorOutcome, Completed, Failed, Outcome

VERSION: Literal[1] = 1
MAX_STORED_JSON_BYTES = 2_097_152  # a part of the record above this is cut (a note in its place)
# The keys `manage.py dryrun` prints and the runs API's `result` holds, in this order.
PRINTED_KEYS = (
    "outcome", "variables", "result", "error", "retries", "backoff_ms", "duration_ms",
    "job_result",
)  # fmt: skip
# Keys whose values are the record's own words, not what the connector touched: masking leaves
# them alone, so a literal typed into a concealed field can never turn `kind` into `***`.
ENVELOPE_KEYS = frozenset({"version", "kind", "retries", "backoff_ms", "duration_ms"})

OutcomeKind = Literal["completed", "bpmn_error", "failed"]


class StoredOutcomeError(ValueError):
    """A stored outcome this version of the hub cannot read."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoredError(_Record):
    """The BPMN error thrown or the failure's message; `code` is null for most failures."""

    code: str | None = None
    message: str | None = None


class StoredTrace(_Record):
    """What the runtime saw on the way, for the run page: phase timings, the error the connector
    raised (what `errorExpression` sees as `error`), the error expression and its verdict, and
    the names of the secrets used."""

    job_type: str = ""
    timings_ms: dict[str, float] = {}
    error: dict[str, Any] | None = None
    error_expression: dict[str, Any] | None = None
    secrets_used: list[str] = []


class StoredOutcome(_Record):
    """One run's outcome, redacted: how the job ends and what the run page shows of it.

    `variables` are what the process receives; `response` is the connector's raw return value
    (what `resultExpression` sees as `response`); `retries` and `backoff_ms` are set for a
    failure only; `trace` is null for a failure around the runtime (nothing ran).
    """

    version: Literal[1] = VERSION
    kind: OutcomeKind
    variables: dict[str, Any] = {}
    response: Any = None
    error: StoredError | None = None
    retries: int | None = None
    backoff_ms: float | None = None
    duration_ms: float | None = None
    job_result: dict[str, Any] | None = None
    trace: StoredTrace | None = None
    logs: list[dict[str, Any]] = []
    exchanges: list[dict[str, Any]] = []

    # -- writing ---------------------------------------------------------------------------

    @classmethod
    def from_outcome(cls, outcome: Outcome) -> StoredOutcome:
        """The record of a runtime outcome, each large part cut to MAX_STORED_JSON_BYTES."""
        trace = outcome.trace
        error, retries, backoff = _ending(outcome)
        return cls(
            kind=outcome.kind,
            variables=_bounded(trace.variables or {}),
            response=_bounded(trace.response),
            error=error,
            retries=retries,
            backoff_ms=None if backoff is None else backoff / timedelta(milliseconds=1),
            duration_ms=trace.duration_ms,
            job_result=_bounded(trace.job_result),
            trace=StoredTrace(
                job_type=trace.job_type,
                timings_ms=dict(trace.timings_ms),
                error=_bounded(trace.error),
                error_expression=_bounded(trace.error_expression),
                secrets_used=list(trace.secrets_used),
            ),
            logs=_bounded_list(trace.logs, "log records", _log_note),
            exchanges=_bounded_list(trace.exchanges, "exchanges", _exchange_note),
        )

    @classmethod
    def failure(cls, reason: str) -> StoredOutcome:
        """A run that failed around the runtime (REASON says why): no retries, nothing ran."""
        return cls(kind="failed", error=StoredError(message=reason), retries=0)

    def dump(self) -> dict[str, Any]:
        """The JSON stored in `Run.stored_outcome`."""
        return self.model_dump(mode="json")

    # -- reading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, data: Any) -> StoredOutcome:
        """The record stored as DATA; StoredOutcomeError when this hub cannot read it."""
        if not isinstance(data, dict):
            raise StoredOutcomeError(
                f"The stored outcome is not a JSON object but {type(data).__name__}."
            )
        version = data.get("version")
        if version != VERSION:
            found = "has no version" if version is None else f"has version {version!r}"
            raise StoredOutcomeError(
                f"The stored outcome {found}; this hub reads version {VERSION} only. Rows from "
                "before version 1 are rewritten by `manage.py migrate` (0007_stored_outcome); "
                "a newer version was written by a newer hub."
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or '(record)'}: {e['msg']}" for e in exc.errors()
            )
            raise StoredOutcomeError(f"The stored outcome cannot be read: {problems}") from None

    def printed(self) -> dict[str, Any]:
        """The outcome as `manage.py dryrun` prints it and the runs API's `result` answers
        (names from before version 1, kept for their readers: `outcome`, `result`)."""
        values = {
            "outcome": self.kind,
            "variables": self.variables,
            "result": self.response,
            "error": None if self.error is None else self.error.model_dump(),
            "retries": self.retries,
            "backoff_ms": self.backoff_ms,
            "duration_ms": self.duration_ms,
            "job_result": self.job_result,
        }
        return {key: values[key] for key in PRINTED_KEYS}

    @property
    def message(self) -> str:
        """Why the job did not complete, in one message ("" when it completed)."""
        if self.kind == "completed" or self.error is None:
            return ""
        return self.error.message or ""


def replay_verdict(record: StoredOutcome, replay: ReplayPolicy | None) -> StoredOutcome:
    """RECORD, failed with the replay's first problem when it had one (a request the recording
    does not answer, a connection asked for): whatever the connector or its error expression
    made of it, a replay that did not match must not pass as an expected error."""
    if replay is None or not replay.problems:
        return record
    return record.model_copy(
        update={
            "kind": "failed",
            "variables": {},
            "error": StoredError(code="REPLAY_MISMATCH", message=replay.problems[0]),
            "retries": 0,
            "backoff_ms": None,
        }
    )


def redact_content(data: Any, redact: Callable[[Any], Any]) -> Any:
    """Stored record DATA with REDACT applied to every part the connector touched.

    Works on the stored JSON, whatever its version, so a page can mask a row it then refuses
    to read with a clear message rather than an error in the masking."""
    if not isinstance(data, dict):
        return redact(data)
    return {key: value if key in ENVELOPE_KEYS else redact(value) for key, value in data.items()}


def _ending(outcome: Outcome) -> tuple[StoredError | None, int | None, timedelta | None]:
    """The error, retries and backoff of OUTCOME (Camunda's three commands)."""
    if isinstance(outcome, Completed):
        return None, None, None
    if isinstance(outcome, BpmnErrorOutcome):
        return StoredError(code=outcome.code, message=outcome.message), None, None
    assert isinstance(outcome, Failed)
    error = StoredError(code=outcome.code, message=outcome.message)
    return error, outcome.retries, outcome.backoff


def _bounded(value: Any) -> Any:
    """VALUE as plain JSON, or a note in its place when that is larger than the limit."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    size = len(text.encode())
    if size <= MAX_STORED_JSON_BYTES:
        return json.loads(text)
    return {"truncated": True, "bytes": size, "start": text[:4096]}


def _bounded_list(
    items: list[Any], what: str, note: Callable[[str], dict[str, Any]]
) -> list[dict[str, Any]]:
    """ITEMS as plain JSON, whole items only up to the limit, then one note item saying how
    many were left out (a list stays a list: the page lists it, the record types it)."""
    kept: list[dict[str, Any]] = []
    used = 0
    for index, item in enumerate(items):
        text = json.dumps(item, ensure_ascii=False, default=str)
        used += len(text.encode())
        if used > MAX_STORED_JSON_BYTES:
            left = len(items) - index
            limit = MAX_STORED_JSON_BYTES
            kept.append(note(f"{left} more {what} left out: a run keeps {limit} bytes of them"))
            break
        kept.append(json.loads(text))
    return kept


def _log_note(text: str) -> dict[str, Any]:
    return {"level": "WARNING", "message": text}


def _exchange_note(text: str) -> dict[str, Any]:
    return {"protocol": "", "target": "", "summary": text, "status": None, "error": text}
