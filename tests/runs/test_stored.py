"""The stored outcome (connectors.runs.stored): one typed, versioned record per finished run.

Each kind of outcome the runtime makes survives storage whole; a row this hub cannot read is
refused with a message that says why, on the run page and in the API as well; and a row stored
before version 1 is rewritten by migration 0007 (run on a real SQLite file in a child process:
the suite's own database is built without migrations) and then shows on the run page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from connectors.models import Run, RunOutcome, RunStatus
from connectors.registry import Registry
from connectors.runs import stored
from connectors.runs.services import run_start
from connectors.runs.stored import StoredError, StoredOutcome, StoredOutcomeError
from connectors.runtime import Completed, JobRequest, Trace, run_job
from connectors.secrets import MappingSecretProvider

BASE_DIR = Path(__file__).resolve().parents[2]
FAIL_HEADERS = {"retryBackoff": "PT5S"}
BPMN_HEADERS = {
    "errorExpression": "=bpmnError(error.code, error.message, {said: error.variables.text})"
}


def _stored(registry: Registry, job_type: str, variables: dict, headers: dict) -> StoredOutcome:
    job = JobRequest(job_type, variables, headers, retries=3)
    outcome = run_job(job, secrets=MappingSecretProvider({}), registry=registry)
    return StoredOutcome.from_outcome(outcome)


def _round_trip(record: StoredOutcome) -> StoredOutcome:
    """Through JSON text, as the database column holds it."""
    return StoredOutcome.load(json.loads(json.dumps(record.dump())))


def test_a_completed_outcome_with_a_job_result_round_trips(test_registry: Registry) -> None:
    record = _stored(
        test_registry, "test:plan:1", {"element": "lookUpOrder"}, {"resultVariable": "r"}
    )
    assert _round_trip(record) == record
    assert (record.version, record.kind, record.error, record.retries) == (
        1,
        "completed",
        None,
        None,
    )
    assert record.variables == {"r": {"chose": "lookUpOrder"}}
    assert record.response == {"chose": "lookUpOrder"}
    assert record.job_result is not None
    assert record.job_result["activateElements"] == [
        {"elementId": "lookUpOrder", "variables": {"orderId": 7}}
    ]
    assert record.trace is not None and record.trace.job_type == "test:plan:1"


def test_a_bpmn_error_with_variables_round_trips(test_registry: Registry) -> None:
    record = _stored(test_registry, "test:echo:1", {"text": "no", "fail": True}, BPMN_HEADERS)
    assert _round_trip(record) == record
    assert record.kind == "bpmn_error"
    assert record.error == StoredError(code="ECHO", message="failed with no")
    assert record.variables == {"said": "no"}
    assert record.retries is None and record.message == "failed with no"
    assert [entry["message"] for entry in record.logs] == ["echoing no"]


def test_a_failure_with_retries_and_backoff_round_trips(test_registry: Registry) -> None:
    record = _stored(test_registry, "test:echo:1", {"text": "no", "fail": True}, FAIL_HEADERS)
    assert _round_trip(record) == record
    assert (record.kind, record.retries, record.backoff_ms) == ("failed", 2, 5000.0)
    assert record.error is not None and record.error.code == "ECHO"
    assert record.message.startswith("failed with no")
    assert record.trace is not None and record.trace.error is not None
    assert record.trace.error["variables"] == {"text": "no"}


def test_an_input_error_round_trips_without_retries(test_registry: Registry) -> None:
    record = _stored(test_registry, "test:echo:1", {}, {})  # `text` is required
    assert _round_trip(record) == record
    assert (record.kind, record.retries) == ("failed", 0)
    assert "text" in record.message
    assert record.response is None and record.exchanges == []


def test_a_failure_around_the_runtime_round_trips() -> None:
    record = StoredOutcome.failure("The worker went away.")
    assert _round_trip(record) == record
    assert (record.kind, record.retries, record.trace) == ("failed", 0, None)
    assert record.printed() == {
        "outcome": "failed", "variables": {}, "result": None,
        "error": {"code": None, "message": "The worker went away."}, "retries": 0,
        "backoff_ms": None, "duration_ms": None, "job_result": None,
    }  # fmt: skip


def test_parts_larger_than_the_limit_are_cut_and_the_record_still_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stored, "MAX_STORED_JSON_BYTES", 200)
    logs = [{"level": "INFO", "message": f"line {i:02d}"} for i in range(20)]  # ~40 bytes each
    trace = Trace(job_type="t", response="x" * 500, logs=logs, variables={"r": "small"})
    record = _round_trip(StoredOutcome.from_outcome(Completed({"r": "small"}, trace)))
    assert record.variables == {"r": "small"}
    assert record.response["truncated"] is True and record.response["bytes"] == 502
    assert record.logs[:-1] == logs[:5]  # whole records, 39 bytes each
    assert record.logs[-1] == {
        "level": "WARNING", "message": "15 more log records left out: a run keeps 200 bytes of them"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"version": 2, "kind": "completed"}, "has version 2; this hub reads version 1 only"),
        ({"outcome": "completed", "result": None}, "has no version; this hub reads version 1"),
        ({"version": 1, "kind": "done"}, "kind: Input should be 'completed', 'bpmn_error'"),
        ({"version": 1, "kind": "failed", "retry": 2}, "retry: Extra inputs are not permitted"),
        ([1, 2], "is not a JSON object but list"),
    ],
    ids=["newer", "before-version-1", "bad-kind", "unknown-field", "not-an-object"],
)
def test_a_record_this_hub_cannot_read_is_refused_saying_why(data: Any, says: str) -> None:
    with pytest.raises(StoredOutcomeError) as refused:
        StoredOutcome.load(data)
    assert says in str(refused.value)


def _done(catalogue: dict, user: Any, stored_outcome: Any, outcome: str = "completed") -> Run:
    run = run_start(
        version=catalogue["test.echo"], values={"text": "x"}, variables={}, user=user, enqueue=False
    )
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE, outcome=outcome, stored_outcome=stored_outcome
    )
    return Run.objects.get(pk=run.pk)


@pytest.mark.django_db
def test_a_run_whose_record_cannot_be_read_says_so_on_its_page_and_in_the_api(
    signed_in_client: Any, user: Any, catalogue: dict
) -> None:
    run = _done(catalogue, user, {"version": 9, "kind": "completed"})
    page = signed_in_client.get(reverse("run-detail", args=[run.pk]))
    assert page.status_code == 200
    assert "has version 9; this hub reads version 1 only" in page.content.decode()
    api = signed_in_client.get(f"/api/v1/runs/{run.pk}/").json()
    assert api["result"] is None and api["http_exchanges"] == []
    assert "has version 9" in api["outcome_unreadable"]


# -- a row from before version 1 ------------------------------------------------------------

OLD_ROW = {
    "outcome": "bpmn_error",
    "result": {
        "outcome": "bpmn_error",
        "variables": {"said": "no"},
        "result": {"status": 404},
        "error": {"code": "ECHO", "message": "failed with no"},
        "retries": None,
        "backoff_ms": None,
        "duration_ms": 12.5,
        "job_result": None,
    },
    "trace": {
        "job_type": "test:echo:1",
        "result": {"status": 404},
        "error": {"type": "ConnectorException", "code": "ECHO", "message": "failed with no"},
        "error_expression": {"expression": "=bpmnError(...)", "verdict": "bpmn_error"},
        "variables": {"said": "no"},
        "timings_ms": {"secrets": 0.1, "validation": 0.2, "call": 10.0, "mapping": 2.0},
        "duration_ms": 12.5,
        "secrets_used": [],
        "job_result": None,
    },
    "logs": [{"level": "INFO", "message": "echoing no"}],
    "http_exchanges": [
        {"method": "GET", "url": "https://api.example.org/items", "request_headers": {},
         "request_body": None, "status": 404, "response_headers": {}, "response_body": "{}",
         "duration_ms": 9.5, "error": None},
    ],
}  # fmt: skip

# Runs in a child process on its own data folder: migrate to 0006, store OLD_ROW through the
# historical model, migrate to 0007, print the record; then back to 0006 and print the columns.
MIGRATE = """
import json, sys, django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

def model(name):
    state = MigrationExecutor(connection).loader.project_state(("connectors", name))
    return state.apps.get_model("connectors", "Run")

row = json.loads(sys.stdin.read())
call_command("migrate", "connectors", "0006_secret_use_source", verbosity=0)
old = model("0006_secret_use_source").objects.create(
    template_id="test.echo", job_type="test:echo:1", time_limit=5, status="done", **row
)
call_command("migrate", "connectors", "0007_stored_outcome", verbosity=0)
record = model("0007_stored_outcome").objects.get(pk=old.pk).stored_outcome
call_command("migrate", "connectors", "0006_secret_use_source", verbosity=0)
back = model("0006_secret_use_source").objects.filter(pk=old.pk).values(
    "result", "trace", "logs", "http_exchanges").get()
print(json.dumps({"record": record, "back": back}))
"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env = {
        **os.environ,
        "CONNECTORHUB_DATA_DIR": str(tmp_path_factory.mktemp("migration-data")),
        "DJANGO_SETTINGS_MODULE": "connectorhub.settings",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", MIGRATE], input=json.dumps(OLD_ROW), capture_output=True,
        text=True, env=env, cwd=BASE_DIR, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_migration_0007_rewrites_an_old_row_into_a_version_1_record(
    migrated: dict[str, Any],
) -> None:
    record = StoredOutcome.load(migrated["record"])
    assert (record.kind, record.variables, record.response) == (
        "bpmn_error", {"said": "no"}, {"status": 404}
    )  # fmt: skip
    assert record.error == StoredError(code="ECHO", message="failed with no")
    assert record.duration_ms == 12.5 and record.logs == OLD_ROW["logs"]
    assert record.exchanges == OLD_ROW["http_exchanges"]
    assert record.trace is not None and record.trace.timings_ms["call"] == 10.0
    assert record.trace.error_expression == OLD_ROW["trace"]["error_expression"]


def test_migration_0007_goes_back_to_the_old_columns(migrated: dict[str, Any]) -> None:
    back = migrated["back"]
    assert back["result"] == OLD_ROW["result"]
    assert back["trace"] == OLD_ROW["trace"]
    assert (back["logs"], back["http_exchanges"]) == (OLD_ROW["logs"], OLD_ROW["http_exchanges"])


@pytest.mark.django_db
def test_a_migrated_old_row_shows_on_the_run_page_and_in_the_api(
    migrated: dict[str, Any], signed_in_client: Any, user: Any, catalogue: dict
) -> None:
    run = _done(catalogue, user, migrated["record"], RunOutcome.BPMN_ERROR)
    html = signed_in_client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert "The process would throw BPMN error <code>ECHO</code>: failed with no." in html
    assert "GET https://api.example.org/items → 404 · 9.5 ms" in html
    assert "echoing no" in html and "Timing waterfall" in html
    api = signed_in_client.get(f"/api/v1/runs/{run.pk}/").json()
    assert api["result"] == OLD_ROW["result"]
    assert api["trace"] == OLD_ROW["trace"]
    assert api["http_exchanges"] == OLD_ROW["http_exchanges"] and api["outcome_unreadable"] is None
