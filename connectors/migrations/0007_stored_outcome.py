"""A run's outcome becomes one versioned record (`Run.stored_outcome`, version 1).

Before, it was spread over four JSON columns: `result` (the `dryrun` command's shape: outcome,
variables, result, error, retries, backoff_ms, duration_ms, job_result), `trace` (timings, the
error map, the error expression, secrets used, plus copies of the result and variables), `logs`
and `http_exchanges`. This rewrites every done run into a version 1 record
(connectors.runs.stored.StoredOutcome) and drops the four columns; going back rebuilds them.

The conversion is written out here rather than imported: a migration must keep reading the
shape of its own day when the app's code has moved on.
"""

from typing import Any

from django.db import migrations, models

BATCH = 500
TRACE_KEYS = ("job_type", "timings_ms", "error", "error_expression", "secrets_used")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any, note: dict[str, Any], key: str) -> list[Any]:
    """A stored list; a part cut for size was stored as a note object, kept as one NOTE item
    with the note's text under KEY."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):  # {"truncated": true, "bytes": n, "start": "..."}
        text = f"Cut when stored: {value.get('bytes')} bytes (start: {value.get('start', '')})"
        return [{**note, key: text}]
    return []


def _record(run: Any) -> dict[str, Any] | None:
    """The version 1 record of RUN's old columns; None for a run that has no outcome yet."""
    result, trace = run.result, run.trace
    if result is None and not run.outcome:
        return None
    result = _dict(result)
    trace = _dict(trace) if trace is not None else None
    kind = result.get("outcome") or run.outcome or "failed"
    # a result cut for size (a note object) keeps the note where the response was
    cut = "truncated" in result and "outcome" not in result
    error = result.get("error")
    return {
        "version": 1,
        "kind": kind,
        "variables": _dict(result.get("variables")),
        "response": result if cut else result.get("result"),
        "error": {"code": error.get("code"), "message": error.get("message")}
        if isinstance(error, dict)
        else None,
        "retries": result.get("retries"),
        "backoff_ms": result.get("backoff_ms"),
        "duration_ms": result.get("duration_ms", run.duration_ms),
        "job_result": result.get("job_result"),
        "trace": None
        if trace is None
        else {
            "job_type": trace.get("job_type") or run.job_type or "",
            "timings_ms": _dict(trace.get("timings_ms")),
            "error": trace.get("error"),
            "error_expression": trace.get("error_expression"),
            "secrets_used": trace.get("secrets_used") or [],
        },
        "logs": _list(run.logs, {"level": "WARNING"}, "message"),
        "exchanges": _list(run.http_exchanges, {"protocol": "", "status": None}, "summary"),
    }


def _to_records(apps, schema_editor):  # type: ignore[no-untyped-def]
    run_model = apps.get_model("connectors", "Run")
    runs = run_model.objects.only(
        "pk", "outcome", "job_type", "duration_ms", "result", "trace", "logs", "http_exchanges"
    )
    for run in runs.iterator(chunk_size=BATCH):
        record = _record(run)
        if record is not None:
            run_model.objects.filter(pk=run.pk).update(stored_outcome=record)


def _to_columns(apps, schema_editor):  # type: ignore[no-untyped-def]
    run_model = apps.get_model("connectors", "Run")
    runs = run_model.objects.exclude(stored_outcome=None).only("pk", "stored_outcome")
    for run in runs.iterator(chunk_size=BATCH):
        record = _dict(run.stored_outcome)
        trace = record.get("trace")
        result = {
            "outcome": record.get("kind"),
            "variables": record.get("variables") or {},
            "result": record.get("response"),
            "error": record.get("error"),
            "retries": record.get("retries"),
            "backoff_ms": record.get("backoff_ms"),
            "duration_ms": record.get("duration_ms"),
            "job_result": record.get("job_result"),
        }
        old_trace = None
        if isinstance(trace, dict):
            old_trace = {key: trace.get(key) for key in TRACE_KEYS}
            old_trace.update(
                result=result["result"],
                variables=result["variables"],
                duration_ms=result["duration_ms"],
                job_result=result["job_result"],
            )
        run_model.objects.filter(pk=run.pk).update(
            result=result,
            trace=old_trace,
            logs=record.get("logs") or [],
            http_exchanges=record.get("exchanges") or [],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0006_secret_use_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="run",
            name="stored_outcome",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(_to_records, _to_columns),
        migrations.RemoveField(model_name="run", name="result"),
        migrations.RemoveField(model_name="run", name="trace"),
        migrations.RemoveField(model_name="run", name="logs"),
        migrations.RemoveField(model_name="run", name="http_exchanges"),
    ]
