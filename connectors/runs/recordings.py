"""Recordings of test cases: which one an offline run replays, pinning a run's exchanges to a
test case, and editing a pinned exchange to make an error path testable.

A run's recording is its stored exchanges (`StoredOutcome.exchanges`, already redacted), read
as a recording (`connectors.network.recording`); nothing is stored twice. A test case replays
its pinned recording when it has one, else the exchanges of its latest live run.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError

from connectors.configure import masked_values
from connectors.elementtemplates import ElementTemplate
from connectors.models import Run, RunStatus, RunTestCase, SavedConfiguration, TemplateVersion
from connectors.network.recording import (
    RecordingError,
    check_recording,
    recording_from_exchanges,
)
from connectors.runs.stored import StoredOutcomeError
from connectors.secrets import MASK, Redactor

# The fields of a pinned exchange the recording page edits (result: SQL; status, headers and
# body: HTTP)
FORM_FIELDS = ("status", "headers", "body", "result", "latency_ms", "error")


def shown_recording(recording: dict[str, Any], configuration: SavedConfiguration) -> dict[str, Any]:
    """RECORDING for a page or a suite file: credentials typed in plain text into
    CONFIGURATION's concealed fields masked wherever they went (a query parameter, a header),
    as the run page masks them; secrets' values were never in it."""
    return dict(literal_redactor(configuration).redact(recording))


def literal_redactor(configuration: SavedConfiguration) -> Redactor:
    """A redactor of the values typed in plain text into CONFIGURATION's concealed fields."""
    version = TemplateVersion.objects.filter(
        entry__template_id=configuration.template_id, version=configuration.template_version
    ).first()
    template = ElementTemplate.from_dict(version.content) if version is not None else None
    values = configuration.values or {}
    masked = masked_values(template, values)
    return Redactor([values[k] for k, v in masked.items() if v == MASK and values[k] != MASK])


def recording_of_run(run: Run) -> dict[str, Any] | None:
    """RUN's exchanges as a recording; None when it is not done or made no exchange."""
    if run.status != RunStatus.DONE:
        return None
    try:
        record = run.outcome_record
    except StoredOutcomeError:
        return None
    if record is None:
        return None
    recording = recording_from_exchanges(record.exchanges)
    return recording if recording["exchanges"] else None


def recording_for(test_case: RunTestCase) -> dict[str, Any] | None:
    """What an offline run of TEST_CASE replays: its pinned recording, else the exchanges of
    its latest finished live run; None when there is neither."""
    if test_case.recording is not None:
        return dict(test_case.recording)
    runs = Run.objects.filter(test_case=test_case, replay__isnull=True, status=RunStatus.DONE)
    for run in runs.order_by("-created_at", "-pk")[:20]:
        recording = recording_of_run(run)
        if recording is not None:
            return recording
    return None


def pin_recording(*, test_case: RunTestCase, run: Run) -> RunTestCase:
    """Pin RUN's exchanges as TEST_CASE's recording; ValidationError when it has none."""
    recording = run.replay if run.replay is not None else recording_of_run(run)
    if recording is None:
        raise ValidationError("This run has no exchanges to pin: it contacted nothing.")
    test_case.recording = recording
    test_case.save(update_fields=["recording", "updated_at"])
    return test_case


def unpin_recording(*, test_case: RunTestCase) -> None:
    test_case.recording = None
    test_case.save(update_fields=["recording", "updated_at"])


def edit_exchange(*, test_case: RunTestCase, index: int, fields: dict[str, str]) -> RunTestCase:
    """Change pinned exchange INDEX of TEST_CASE from form FIELDS (text as typed: status,
    headers as a JSON object, body, latency_ms, error; for SQL result as JSON, latency_ms,
    error). ValidationError keyed by the field names the problem."""
    recording = test_case.recording
    if recording is None or not 0 <= index < len(recording.get("exchanges", [])):
        raise ValidationError({"exchange": "no such pinned exchange"})
    entry = json.loads(json.dumps(recording["exchanges"][index]))
    errors: dict[str, str] = {}
    latency = _number(fields.get("latency_ms", "0"), "latency_ms", errors)
    entry["latency_ms"] = latency if latency is not None else 0
    entry["error"] = (fields.get("error") or "").strip() or None
    response = entry.setdefault("response", {})
    if entry.get("protocol") == "http":
        status = (fields.get("status") or "").strip()
        response["status"] = _number(status, "status", errors, integer=True) if status else None
        response["headers"] = _json(fields.get("headers") or "{}", "headers", errors, dict)
        response["body"] = fields.get("body", "")
        entry.pop("response_truncated", None)  # an edited body is the whole body
    else:
        result = _json(fields.get("result") or "null", "result", errors, object)
        if not entry["error"] and "result" not in errors and not _sql_result(result):
            errors["result"] = (
                'must be {"resultSet": [rows]} or {"modifiedRows": n}, unless error is set'
            )
        response["result"] = result
    if errors:
        raise ValidationError(errors)
    recording = json.loads(json.dumps(recording))
    recording["exchanges"][index] = entry
    try:
        test_case.recording = check_recording(recording)
    except RecordingError as exc:
        raise ValidationError({_field_of(str(exc)): str(exc)}) from None
    test_case.save(update_fields=["recording", "updated_at"])
    return test_case


def _number(
    text: str, name: str, errors: dict[str, str], *, integer: bool = False
) -> float | int | None:
    try:
        value = float(text.strip() or "0")
    except ValueError:
        errors[name] = f"'{text}' is not a number"
        return None
    if value < 0:
        errors[name] = "must not be negative"
        return None
    if integer:
        if not value.is_integer():
            errors[name] = f"'{text}' is not a whole number"
            return None
        return int(value)
    return value


def _json(text: str, name: str, errors: dict[str, str], kind: type) -> Any:
    try:
        value = json.loads(text)
    except ValueError as exc:
        errors[name] = f"is not JSON: {exc}"
        return None
    if kind is dict and not isinstance(value, dict):
        errors[name] = "must be a JSON object"
    return value


def _sql_result(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    if "resultSet" in value:
        return isinstance(value["resultSet"], list)
    count = value.get("modifiedRows")
    return isinstance(count, int) and not isinstance(count, bool)


def _field_of(message: str) -> str:
    """The form field a RecordingError names (`exchanges[0].response.status: …` -> status)."""
    path = message.split(":", 1)[0]
    return path.rsplit(".", 1)[-1] if "." in path else "exchange"
