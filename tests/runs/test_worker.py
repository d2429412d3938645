"""The real path: run_start -> Redis -> a Celery worker process -> the runtime -> a connector
calling a local HTTP server -> the stored outcome. The errorExpression cases are the examples of
Camunda's documentation (docs/camunda-compat.md section 5)."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from connectors.models import Run, RunOutcome, RunStatus
from connectors.runs.services import WORKER_LOST, run_start

from .conftest import respond_url, wait_done

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

HTTP_TO_BPMN = (
    'if error.code = "404" then bpmnError("404", "Got a 404") '
    'else if error.code = "500" then bpmnError("500", "Got a 500") '
    'else if response.body.status = "failed" then bpmnError("FAILED", "Action failed", '
    "response.body) else null"
)
HUMIDITY = (
    'if response.body.main.humidity < 0 then bpmnError("HUMIDITY-FAIL", '
    '"Received invalid humidity") else null'
)
ANY_ERROR = "if is defined(error) then bpmnError(error.code, error.message) else null"
REST_DOCS = (
    'if matches(error.code, "400") and error.variables.response.body.temp = 36 then '
    'bpmnError("Too hot", error.variables.response.body.message, '
    "error.variables.response.body) else null"
)
TO_FAIL_JOB = (
    'if error.code = "404" then jobError("Resource not found") '
    'else if error.code = "504" then jobError("Gateway timeout", {}, job.retries - 1, '
    '@"PT30S") else if response.body.status = "technicalProblem" then '
    'jobError("Technical Problem", response.body) else null'
)


def dry_run(version: Any, values: dict[str, Any], **kw: Any) -> Run:
    run = run_start(version=version, values=values, variables={}, user=None, **kw)
    return wait_done(run.pk)


@pytest.mark.parametrize(
    ("expression", "status", "body", "expected"),
    [
        (HTTP_TO_BPMN, 404, {}, ("bpmn_error", "404", "Got a 404", {})),
        (HTTP_TO_BPMN, 500, {}, ("bpmn_error", "500", "Got a 500", {})),
        (HTTP_TO_BPMN, 200, {"status": "failed", "n": 1},
         ("bpmn_error", "FAILED", "Action failed", {"status": "failed", "n": 1})),
        (HTTP_TO_BPMN, 200, {"status": "ok"}, ("completed", None, None, None)),
        (HUMIDITY, 200, {"main": {"humidity": -1}},
         ("bpmn_error", "HUMIDITY-FAIL", "Received invalid humidity", {})),
        (HUMIDITY, 200, {"main": {"humidity": 5}}, ("completed", None, None, None)),
        (HUMIDITY, 200, {"main": {}}, ("completed", None, None, None)),
        (ANY_ERROR, 404, {}, ("bpmn_error", "404", "Not Found", {})),
        (REST_DOCS, 400, {"temp": 36, "message": "m"},
         ("bpmn_error", "Too hot", "m", {"temp": 36, "message": "m"})),
    ],
)  # fmt: skip
def test_error_expression_examples_to_bpmn_errors(
    runs_worker: Any, catalogue: dict, http_server: Any, expression: str, status: int,
    body: Any, expected: tuple,
) -> None:  # fmt: skip
    run = dry_run(
        catalogue["test.http"],
        {"url": respond_url(http_server, status, body), "errorExpression": f"={expression}"},
    )
    kind, code, message, variables = expected
    assert run.outcome == kind, run.stored_outcome
    if kind == "bpmn_error":
        assert run.outcome_record.error.model_dump() == {"code": code, "message": message}
        assert run.outcome_record.variables == variables
    else:
        assert run.outcome_record.response["status"] == status
        assert run.outcome_record.response["body"] == body


def test_plain_failure_keeps_retries_and_error_variables(
    runs_worker: Any, catalogue: dict, http_server: Any
) -> None:
    # HTTP_TO_BPMN gives null for a 503: the job fails with retries - 1 and the header backoff
    run = dry_run(
        catalogue["test.http"],
        {
            "url": respond_url(http_server, 503, {"why": "busy"}),
            "errorExpression": f"={HTTP_TO_BPMN}",
            "retryBackoff": "PT5S",
        },
    )
    assert run.outcome == RunOutcome.FAILED
    assert run.outcome_record.retries == 2 and run.outcome_record.backoff_ms == 5000
    assert run.error_message.startswith("Service Unavailable | Error variables: {error={type=")
    assert run.outcome_record.error.code == "503"
    assert run.outcome_record.trace.error["variables"]["response"]["body"] == {"why": "busy"}


def test_rest_docs_sample_body_with_temperature_does_not_match(
    runs_worker: Any, catalogue: dict, http_server: Any
) -> None:
    body = {"temperature": 36, "message": "too hot"}
    run = dry_run(
        catalogue["test.http"],
        {"url": respond_url(http_server, 400, body), "errorExpression": f"={REST_DOCS}"},
    )
    assert run.outcome == RunOutcome.FAILED and run.outcome_record.retries == 2


def test_exception_without_code_in_bpmn_error_is_an_incident(
    runs_worker: Any, catalogue: dict
) -> None:
    run = dry_run(
        catalogue["test.http"],
        {"url": "http://127.0.0.1:9/closed", "errorExpression": f"={ANY_ERROR}"},
    )
    assert run.outcome == RunOutcome.FAILED and run.outcome_record.retries == 0


@pytest.mark.parametrize(
    ("status", "body", "retries", "backoff_ms", "variables"),
    [
        (404, {}, 0, 0, {"error": "Resource not found"}),
        (504, {}, 2, 30_000, {"error": "Gateway timeout"}),
        (200, {"status": "technicalProblem", "x": 1}, 0, 0,
         {"status": "technicalProblem", "x": 1, "error": "Technical Problem"}),
    ],
)  # fmt: skip
def test_error_expression_examples_to_failed_jobs(
    runs_worker: Any, catalogue: dict, http_server: Any, status: int, body: Any, retries: int,
    backoff_ms: int, variables: dict,
) -> None:  # fmt: skip
    run = dry_run(
        catalogue["test.http"],
        {"url": respond_url(http_server, status, body), "errorExpression": f"={TO_FAIL_JOB}"},
    )
    assert run.outcome == RunOutcome.FAILED
    assert (run.outcome_record.retries, run.outcome_record.backoff_ms) == (retries, backoff_ms)
    assert run.outcome_record.variables == variables
    assert run.error_message.startswith(variables["error"] + " | Error variables: {")


def test_completed_run_keeps_result_variables_exchange_and_timings(
    runs_worker: Any, catalogue: dict, http_server: Any
) -> None:
    run = dry_run(
        catalogue["test.http"],
        {"url": respond_url(http_server, 200, {"id": 7}), "method": "POST", "body": '{"a": 1}',
         "resultVariable": "raw", "resultExpression": "={id: response.body.id}"},
    )  # fmt: skip
    assert run.outcome == RunOutcome.COMPLETED
    assert run.outcome_record.response["body"] == {"id": 7}
    assert run.outcome_record.variables["id"] == 7
    assert run.outcome_record.variables["raw"]["status"] == 200
    [exchange] = run.outcome_record.exchanges
    assert exchange["method"] == "POST" and exchange["status"] == 200
    assert exchange["request_body"] == '{"a": 1}'
    assert run.outcome_record.logs[0]["message"].startswith("POST http://127.0.0.1")
    assert set(run.outcome_record.trace.timings_ms) == {"secrets", "validation", "call", "mapping"}
    assert run.worker.startswith("test-") and run.deliveries == 1
    assert run.created_at <= run.started_at <= run.finished_at


def test_connector_time_limit_fails_the_run_with_the_reason(
    runs_worker: Any, catalogue: dict, http_server: Any
) -> None:
    url = f"{http_server.url}/slow?seconds=3"
    run = dry_run(catalogue["test.http"], {"url": url}, time_limit=0.5)
    assert run.outcome == RunOutcome.FAILED
    assert "did not finish within its time limit of 0.5 s" in run.error_message


def test_worker_crash_ends_the_run_failed(runs_worker: Any, catalogue: dict) -> None:
    run = dry_run(catalogue["test.crash"], {"spare_pid": 0})
    assert run.outcome == RunOutcome.FAILED
    assert run.error_message.startswith(WORKER_LOST)


def test_hard_time_limit_ends_the_run_failed(runs_worker: Any, catalogue: dict) -> None:
    run = run_start(
        version=catalogue["test.hang"], values={"seconds": 60}, variables={}, user=None,
        time_limit=0.5,
    )  # fmt: skip
    done = wait_done(run.pk, timeout=30)
    assert done.outcome == RunOutcome.FAILED
    assert "hard time limit" in done.error_message


def test_the_worker_still_works_after_a_crash(runs_worker: Any, catalogue: dict) -> None:
    run = dry_run(catalogue["io.connectorhub.noop"], {"echo": "=1"})
    assert run.outcome == RunOutcome.COMPLETED and run.status == RunStatus.DONE


def test_sending_a_run_asks_redis_for_no_task_result(
    runs_worker: Any, catalogue: dict, redis_url: str
) -> None:
    """The run row is a dry-run's record: the process that sends one neither subscribes to
    the Celery task's result nor has the worker store one (each a round trip to Redis)."""
    client = redis.Redis.from_url(redis_url)

    def subscriptions() -> int:
        return int(client.info("commandstats").get("cmdstat_subscribe", {}).get("calls", 0))

    before = subscriptions()
    run = dry_run(catalogue["io.connectorhub.noop"], {"echo": "=1"})
    assert run.outcome == RunOutcome.COMPLETED
    assert subscriptions() == before
    assert not client.exists(f"celery-task-meta-{run.task_id}")
