# ruff: noqa: E501 - one case per line reads better than a wrapped table
"""Camunda's header semantics, case by case (docs/runtime.md has the rules and sources).

The error-expression cases are the examples of Camunda's documentation (use-connectors,
"BPMN error examples" and "Fail job examples"; protocol/rest.md, "Error handling"), run
against an HTTP-like fake: an HTTP error is `ConnectorError(<status>, <reason>,
{response: {headers, body}})`, as the REST connector raises it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from connectors.runtime import BpmnErrorOutcome, Completed, Failed

HTTP_ERRORS = (
    'if error.code = "404" then bpmnError("404", "Got a 404") '
    'else if error.code = "500" then bpmnError("500", "Got a 500") '
    'else if response.body.status = "failed" then bpmnError("FAILED", "Action failed", response.body) '
    "else null"
)
HUMIDITY = (
    'if response.body.main.humidity < 0 then bpmnError("HUMIDITY-FAIL", "Received invalid humidity") '
    "else null"
)
GENERIC = "if is defined(error) then bpmnError(error.code, error.message) else null"
REST_DOCS = (
    'if matches(error.code, "400") and error.variables.response.body.temp = 36 then '
    'bpmnError("Too hot", error.variables.response.body.message, error.variables.response.body) '
    "else null"
)
FAIL_JOB = (
    'if error.code = "404" then jobError("Resource not found") '
    'else if error.code = "504" then jobError("Gateway timeout", {}, job.retries - 1, @"PT30S") '
    'else if response.body.status = "technicalProblem" then jobError("Technical Problem", response.body) '
    "else null"
)
IGNORE = 'if contains(error.code, "10") then ignoreError(error.variables) else null'


def http_ok(body: Any) -> dict[str, Any]:
    return {
        "respond": {"status": 200, "headers": {"content-type": "application/json"}, "body": body}
    }


def http_error(status: int, reason: str, body: Any = None) -> dict[str, Any]:
    return {
        "error_code": str(status),
        "error_message": reason,
        "error_variables": {"response": {"headers": {"x-trace": "1"}, "body": body}},
    }


# (id, variables, headers, job retries, expected outcome fields)
CASES: list[tuple[str, dict[str, Any], dict[str, str], int, dict[str, Any]]] = [
    # --- docs: HTTP errors to BPMN errors
    ("docs-http-404", http_error(404, "Not Found"), {"errorExpression": HTTP_ERRORS}, 3,
     {"kind": "bpmn_error", "code": "404", "message": "Got a 404", "variables": {}}),
    ("docs-http-500", http_error(500, "Internal Server Error"), {"errorExpression": HTTP_ERRORS}, 3,
     {"kind": "bpmn_error", "code": "500", "message": "Got a 500"}),
    ("docs-http-200-failed", http_ok({"status": "failed", "id": 7}), {"errorExpression": HTTP_ERRORS}, 3,
     {"kind": "bpmn_error", "code": "FAILED", "message": "Action failed",
      "variables": {"status": "failed", "id": 7}}),
    ("docs-http-200-ok", http_ok({"status": "ok"}), {"errorExpression": HTTP_ERRORS}, 3,
     {"kind": "completed", "variables": {}}),
    ("docs-http-503-unmapped", http_error(503, "Service Unavailable"), {"errorExpression": HTTP_ERRORS}, 3,
     {"kind": "failed", "retries": 2, "code": "503",
      "message_starts": "Service Unavailable | Error variables: {error={type=io.camunda.connector.api."
                        "error.ConnectorException, message=Service Unavailable, code=503, variables="
                        "{response={headers={x-trace=1}, body=null}}}}"}),
    # with a result variable, errorExpression sees the output variables, so `response.body` is gone
    ("docs-http-200-failed-with-result-variable", http_ok({"status": "failed"}),
     {"errorExpression": HTTP_ERRORS, "resultVariable": "result"}, 3,
     {"kind": "completed", "variables": {"result": {"status": 200, "headers": {
         "content-type": "application/json"}, "body": {"status": "failed"}}}}),
    # --- docs: response value to BPMN error
    ("docs-humidity-negative", http_ok({"main": {"humidity": -1}}), {"errorExpression": HUMIDITY}, 3,
     {"kind": "bpmn_error", "code": "HUMIDITY-FAIL", "message": "Received invalid humidity"}),
    ("docs-humidity-positive", http_ok({"main": {"humidity": 5}}), {"errorExpression": HUMIDITY}, 3,
     {"kind": "completed"}),
    ("docs-humidity-missing", http_ok({"main": {}}), {"errorExpression": HUMIDITY}, 3,
     {"kind": "completed"}),
    # --- docs: generic header turning a ConnectorException into a BPMN error
    ("docs-generic-success", http_ok({}), {"errorExpression": GENERIC}, 3, {"kind": "completed"}),
    ("docs-generic-coded", {"error_code": "HUMIDITY-FAIL", "error_message": "Received invalid humidity"},
     {"errorExpression": GENERIC}, 3,
     {"kind": "bpmn_error", "code": "HUMIDITY-FAIL", "message": "Received invalid humidity"}),
    ("docs-generic-http-404", http_error(404, "Not Found"), {"errorExpression": GENERIC}, 3,
     {"kind": "bpmn_error", "code": "404", "message": "Not Found"}),
    # an exception without a code: bpmnError(null, ...) fails the evaluation -> incident
    ("docs-generic-no-code", {"crash": "disk full"}, {"errorExpression": GENERIC}, 3,
     {"kind": "failed", "retries": 0, "backoff": None,
      "message_contains": "Parameter 'errorCode' of function 'bpmnError' must be a String"}),
    # --- REST connector docs
    ("docs-rest-too-hot", http_error(400, "Bad Request", {"temp": 36, "message": "m"}),
     {"errorExpression": REST_DOCS}, 3,
     {"kind": "bpmn_error", "code": "Too hot", "message": "m", "variables": {"temp": 36, "message": "m"}}),
    ("docs-rest-sample-body-slip", http_error(400, "Bad Request", {"temperature": 36}),
     {"errorExpression": REST_DOCS}, 3, {"kind": "failed", "retries": 2, "code": "400"}),
    # --- docs: fail job examples
    ("docs-jobError-404", http_error(404, "Not Found"), {"errorExpression": FAIL_JOB, "retryBackoff": "PT5M"}, 3,
     {"kind": "failed", "retries": 0, "backoff": timedelta(0),
      "message": "Resource not found | Error variables: {error=Resource not found}",
      "variables": {"error": "Resource not found"}}),
    ("docs-jobError-504", http_error(504, "Gateway Timeout"), {"errorExpression": FAIL_JOB}, 3,
     {"kind": "failed", "retries": 2, "backoff": timedelta(seconds=30),
      "variables": {"error": "Gateway timeout"}}),
    ("docs-jobError-technical", http_ok({"status": "technicalProblem", "x": 1}), {"errorExpression": FAIL_JOB}, 3,
     {"kind": "failed", "retries": 0,
      "variables": {"status": "technicalProblem", "x": 1, "error": "Technical Problem"}}),
    ("docs-jobError-ok", http_ok({"status": "fine"}), {"errorExpression": FAIL_JOB}, 3, {"kind": "completed"}),
    # --- ignoreError (Camunda runtime tests)
    ("ignoreError-with-variables", {"error_code": "1013", "error_variables": {"foo": "bar"}},
     {"errorExpression": IGNORE}, 3, {"kind": "completed", "variables": {"foo": "bar"}}),
    ("ignoreError-drops-result-variables", http_ok({}),
     {"errorExpression": "ignoreError()", "resultVariable": "r"}, 3, {"kind": "completed", "variables": {}}),
    # --- errorExpression verdicts
    ("errorExpression-empty-context", http_ok({}), {"errorExpression": "{}"}, 3, {"kind": "completed"}),
    ("errorExpression-blank", {"crash": "x"}, {"errorExpression": "  "}, 3, {"kind": "failed", "retries": 2}),
    ("errorExpression-not-a-context", http_ok({}), {"errorExpression": '"oops"'}, 3,
     {"kind": "failed", "retries": 0, "backoff": None,
      "message_contains": "Error expression must return a JSON object, but got string"}),
    ("errorExpression-old-style-context", http_ok({}), {"errorExpression": '{code: "X", message: "m"}'}, 3,
     {"kind": "failed", "retries": 0, "message_contains": "as 'io.camunda.connector.runtime.core.error.ConnectorError'"}),
    ("errorExpression-raw-context", {"error_code": "E7"},
     {"errorExpression": '{errorType: "bpmnError", errorCode: error.code, errorMessage: "raw"}'}, 3,
     {"kind": "bpmn_error", "code": "E7", "message": "raw"}),
    ("errorExpression-bpmn-without-code", http_ok({}), {"errorExpression": '{errorType: "bpmnError"}'}, 3,
     {"kind": "completed"}),
    ("errorExpression-syntax-error", {"crash": "x"}, {"errorExpression": "if then", "retryBackoff": "PT1M"}, 3,
     {"kind": "failed", "retries": 0, "backoff": None}),
    ("errorExpression-sees-job-retries", http_ok({}),
     {"errorExpression": 'if job.retries = 7 then bpmnError("R", "seven") else null'}, 7,
     {"kind": "bpmn_error", "code": "R"}),
    ("errorExpression-equals-prefix", http_ok({}), {"errorExpression": '= bpmnError("P")'}, 3,
     {"kind": "bpmn_error", "code": "P", "message": None}),
    # --- resultVariable and resultExpression
    ("resultVariable", http_ok({"a": 1}), {"resultVariable": "out"}, 3,
     {"kind": "completed", "variables": {"out": {"status": 200, "headers": {"content-type": "application/json"},
                                                  "body": {"a": 1}}}}),
    ("resultVariable-blank", http_ok({"a": 1}), {"resultVariable": " "}, 3, {"kind": "completed", "variables": {}}),
    ("resultExpression-top-level-and-response", http_ok({"a": 1}),
     {"resultExpression": "={x: body.a, y: response.body.a, s: status}"}, 3,
     {"kind": "completed", "variables": {"x": 1, "y": 1, "s": 200}}),
    ("resultExpression-wins-over-resultVariable", {"respond": {"a": 1}},
     {"resultVariable": "a", "resultExpression": "={a: 2}"}, 3, {"kind": "completed", "variables": {"a": 2}}),
    ("resultExpression-scalar-response", {"respond": "plain"},
     {"resultExpression": "={text: response}"}, 3, {"kind": "completed", "variables": {"text": "plain"}}),
    ("resultExpression-response-key-overrides-field", {"respond": {"response": "field"}},
     {"resultExpression": "={r: response.response}"}, 3, {"kind": "completed", "variables": {"r": "field"}}),
    ("resultExpression-null", http_ok({}), {"resultExpression": "null"}, 3, {"kind": "completed", "variables": {}}),
    ("resultExpression-missing-path", http_ok({}), {"resultExpression": "={v: body.nothing.here}"}, 3,
     {"kind": "completed", "variables": {"v": None}}),
    ("resultExpression-not-a-context", http_ok({}), {"resultExpression": '="text"', "retryBackoff": "PT1M"}, 3,
     {"kind": "failed", "retries": 0, "backoff": timedelta(minutes=1),
      "message_contains": "Result expression must return a JSON object, but got string"}),
    ("resultExpression-syntax-error", http_ok({}), {"resultExpression": "={a: }"}, 3,
     {"kind": "failed", "retries": 2}),
    # --- retries and backoff
    ("exception-retries-minus-one", {"crash": "boom"}, {"retryBackoff": "PT1M"}, 3,
     {"kind": "failed", "retries": 2, "backoff": timedelta(minutes=1), "message_starts": "boom | Error variables: "
      "{error={type=RuntimeError, message=boom}}", "variables": {"error": {"type": "RuntimeError", "message": "boom"}}}),
    ("exception-last-retry", {"crash": "boom"}, {}, 1, {"kind": "failed", "retries": 0}),
    ("exception-no-retries-left", {"crash": "boom"}, {}, 0, {"kind": "failed", "retries": 0}),
    ("connector-error-keeps-code", {"error_code": "E1", "error_message": "m"}, {}, 5,
     {"kind": "failed", "retries": 4, "code": "E1"}),
    ("connector-retry-error", {"retry_with": 9, "error_message": "later"}, {"retryBackoff": "PT2S"}, 3,
     {"kind": "failed", "retries": 9, "backoff": timedelta(seconds=2)}),
    ("retryBackoff-days", {"crash": "boom"}, {"retryBackoff": "P1D"}, 3,
     {"kind": "failed", "backoff": timedelta(days=1)}),
    ("retryBackoff-invalid-connector-not-called", {"crash": "must not run"}, {"retryBackoff": "P1D1S"}, 3,
     {"kind": "failed", "retries": 0, "backoff": None,
      "message_starts": "Failed to parse retry backoff header. Expected ISO-8601 duration, e.g. PT5M, got: P1D1S"}),
    ("retryBackoff-empty", http_ok({}), {"retryBackoff": ""}, 3, {"kind": "failed", "retries": 0}),
    ("jobTimeout-invalid", http_ok({}), {"jobTimeout": "10 minutes"}, 3,
     {"kind": "failed", "retries": 0, "message_starts": "Failed to parse job timeout header"}),
    ("jobTimeout-zero", http_ok({}), {"jobTimeout": "PT0S"}, 3,
     {"kind": "failed", "retries": 0, "message_starts": "Job timeout must be a positive duration, got: PT0S"}),
    ("jobTimeout-valid", http_ok({}), {"jobTimeout": "PT10M"}, 3, {"kind": "completed"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("variables", "headers", "retries", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_header_rule(
    run: Any, variables: dict[str, Any], headers: dict[str, str], retries: int,
    expected: dict[str, Any],
) -> None:  # fmt: skip
    outcome = run(variables, headers, retries=retries)
    assert outcome.kind == expected["kind"], outcome
    for key, value in expected.items():
        if key == "kind":
            continue
        if key == "message_starts":
            assert outcome.message.startswith(value), outcome.message
        elif key == "message_contains":
            assert value in outcome.message, outcome.message
        else:
            assert getattr(outcome, key) == value, (key, outcome)


@pytest.mark.parametrize("job_type", ["test:fake:1", "test:fake-async:1"])
def test_sync_and_async_connectors_map_the_same_way(run: Any, job_type: str) -> None:
    ok = run(http_ok({"status": "failed"}), {"errorExpression": HTTP_ERRORS}, job_type=job_type)
    assert isinstance(ok, BpmnErrorOutcome) and ok.code == "FAILED"
    failed = run({"crash": "nope"}, {"retryBackoff": "PT3S"}, job_type=job_type)
    assert isinstance(failed, Failed)
    assert (failed.retries, failed.backoff) == (2, timedelta(seconds=3))
    done = run({"respond": {"a": 1}}, {"resultVariable": "r"}, job_type=job_type)
    assert isinstance(done, Completed) and done.variables == {"r": {"a": 1}}


def test_input_errors_fail_without_retries_and_name_the_field(run: Any) -> None:
    missing = run({}, {"retryBackoff": "PT1M"}, job_type="test:greet:1")
    assert isinstance(missing, Failed)
    assert missing.retries == 0 and missing.backoff == timedelta(minutes=1)
    assert "Property: name: Validation failed. Original message: Field required" in missing.message
    wrong = run({"name": "x", "times": "many"}, job_type="test:greet:1")
    assert isinstance(wrong, Failed) and wrong.retries == 0
    assert "Property: times" in wrong.message
    assert wrong.variables is not None
    assert (
        wrong.variables["error"]["type"] == "io.camunda.connector.api.error.ConnectorInputException"
    )


def test_input_is_bound_with_coercion_like_jackson(run: Any) -> None:
    outcome = run({"name": "ada", "times": "2", "unrelated": 1}, {"resultVariable": "r"},
                  job_type="test:greet:1")  # fmt: skip
    assert isinstance(outcome, Completed)
    assert outcome.variables == {"r": {"greeting": "hello ada hello ada"}}


def test_unknown_job_type_fails_without_retries(run: Any) -> None:
    outcome = run({}, job_type="test:missing:1")
    assert isinstance(outcome, Failed) and outcome.retries == 0
    assert outcome.message.startswith("No connector is registered for job type 'test:missing:1'")


def test_error_variables_reach_the_error_expression_and_the_fail_command(run: Any) -> None:
    outcome = run(http_error(409, "Conflict", {"detail": "taken"}),
                  {"errorExpression": 'if error.code = "409" then bpmnError("CONFLICT", '
                   "error.variables.response.body.detail, error.variables) else null"})  # fmt: skip
    assert isinstance(outcome, BpmnErrorOutcome)
    assert outcome.message == "taken"
    assert outcome.variables == {
        "response": {"headers": {"x-trace": "1"}, "body": {"detail": "taken"}}
    }
    failed = run(http_error(409, "Conflict", {"detail": "taken"}))
    assert isinstance(failed, Failed)
    assert failed.variables == {
        "error": {
            "type": "io.camunda.connector.api.error.ConnectorException",
            "message": "Conflict",
            "code": "409",
            "variables": {"response": {"headers": {"x-trace": "1"}, "body": {"detail": "taken"}}},
        }
    }
