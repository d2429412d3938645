"""`manage.py dryrun`: in-process by default, through Celery with --queue; the issue's JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from connectors.models import Run

NOOP = "io.connectorhub.noop"
KEYS = ["outcome", "variables", "result", "error", "retries", "duration_ms"]


def dryrun(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("dryrun", *args, stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value) if not isinstance(value, str) else value)
    return str(path)


@pytest.mark.django_db
def test_in_process_run_prints_the_outcome(catalogue: dict, tmp_path: Path) -> None:
    values = write(
        tmp_path, "values.json", {"echo": "=a + 1", "resultExpression": "={x: response.echo}"}
    )
    variables = write(tmp_path, "vars.json", {"a": 41})
    printed = dryrun("io.connectorhub.noop", "--values", values, "--variables", variables)
    assert list(printed) == KEYS
    assert printed["outcome"] == "completed" and printed["variables"] == {"x": 42}
    assert printed["result"] == {"echo": 42} and printed["error"] is None
    assert Run.objects.get().source == "command"


@pytest.mark.django_db
def test_failure_and_bpmn_error_shapes(catalogue: dict, tmp_path: Path) -> None:
    expression = '=bpmnError("NOPE", "no " + string(response.echo))'
    values = write(tmp_path, "v.json", {"errorExpression": expression, "echo": "=1"})
    printed = dryrun("io.connectorhub.noop", "--values", values, "--version", "1")
    assert printed["outcome"] == "bpmn_error"
    assert printed["error"] == {"code": "NOPE", "message": "no 1"}
    # a header the worker would refuse is refused before the run, by the same rule
    bad_header = write(tmp_path, "b.json", {"retryBackoff": "soon"})
    with pytest.raises(CommandError, match=r"values\.retryBackoff: Retry backoff: use an ISO-8601"):
        dryrun("io.connectorhub.noop", "--values", bad_header)
    assert not Run.objects.filter(values__retryBackoff="soon").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--values", "{v}"], "No connector with template id 'nope'"),
        ([NOOP, "--values", "/no/such.json"], "--values: cannot read /no/such.json"),
        (["io.connectorhub.noop", "--values", "{bad}"], "is not JSON"),
        (["io.connectorhub.noop", "--values", "{list}"], "must hold a JSON object"),
        (["io.connectorhub.noop", "--values", "{v}", "--version", "4"], "has no version 4"),
        ([NOOP, "--values", "{wrong}"], "values.zzz: this template has no such field"),
    ],
)  # fmt: skip
def test_bad_input_is_a_clear_error(
    catalogue: dict, tmp_path: Path, args: list, message: str
) -> None:
    files = {
        "v": write(tmp_path, "v.json", {}),
        "bad": write(tmp_path, "bad.json", "{"),
        "list": write(tmp_path, "l.json", [1]),
        "wrong": write(tmp_path, "w.json", {"zzz": 1}),
    }
    with pytest.raises(CommandError) as caught:
        dryrun(*[a.format(**files) for a in args])
    assert message in str(caught.value)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_queue_sends_the_run_through_celery(
    runs_worker: Any, catalogue: dict, tmp_path: Path
) -> None:
    printed = dryrun(
        "test.echo", "--values", write(tmp_path, "v.json", {"text": "queued"}), "--queue"
    )
    assert printed["outcome"] == "completed" and printed["result"]["text"] == "queued"
    assert Run.objects.get().worker.startswith("test-")
