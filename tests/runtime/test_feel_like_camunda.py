"""FEEL where Camunda's engines evaluate it: a call no function accepts gives null (feel-scala,
1.17+), so a typo such as the docs' `bmpnError(...)` does not turn into an incident."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.elementtemplates import ElementTemplate
from connectors.elementtemplates.job import build_job
from connectors.runtime import Completed, Failed
from tests.elementtemplates.corpus import corpus_template


def test_dry_run_input_mappings_follow_zeebe() -> None:
    rest = ElementTemplate.from_dict(corpus_template("io.camunda.connectors.HttpJson.v2"))
    job = build_job(
        rest, {"url": '=if nope(1) then "a" else "https://example.org/" + lower case("X")'}
    )
    assert job.variables["url"] == "https://example.org/x"
    assert job.errors == {}
    typo = build_job(rest, {"url": '=upperCase("https://example.org")'})
    assert typo.variables["url"] is None and typo.errors == {}
    # syntax errors are still errors
    assert list(build_job(rest, {"url": "=1 +"}).errors) == ["url"]


DOCS_TYPO = 'if error.code = "404" then bmpnError("404", "Got a 404") else null'


def ok(body: Any) -> dict[str, Any]:
    return {"respond": {"status": 200, "headers": {}, "body": body}}


def not_found() -> dict[str, Any]:
    return {"error_code": "404", "error_message": "Not Found"}


def warnings_logged(outcome: Any) -> list[str]:
    return [r["message"] for r in outcome.trace.logs if r["level"] == "WARNING"]


def test_docs_example_7_typo_completes_as_in_camunda(run: Any) -> None:
    outcome = run(ok({"a": 1}), {"errorExpression": DOCS_TYPO})
    assert isinstance(outcome, Completed) and outcome.variables == {}


def test_docs_example_7_typo_on_a_404_is_an_ordinary_failure_not_an_incident(run: Any) -> None:
    outcome = run(not_found(), {"errorExpression": DOCS_TYPO}, retries=3)
    assert isinstance(outcome, Failed)
    assert outcome.retries == 2 and outcome.message.startswith("Not Found | Error variables: ")
    [warning] = warnings_logged(outcome)
    assert "unknown function 'bmpnError'" in warning and "line 1, column 28" in warning


def test_unknown_function_in_a_condition_is_null(run: Any) -> None:
    # Camunda: SpringConnectorJobHandlerTest.shouldNotCreateBpmnErrorWithExpression
    expression = 'if unknownFunction(error.code) then bpmnError("123", "") else null'
    outcome = run({"crash": "exception message"}, {"errorExpression": expression}, retries=3)
    assert isinstance(outcome, Failed)
    assert outcome.retries == 2 and outcome.message.startswith("exception message")


@pytest.mark.parametrize(
    ("expression", "variables"),
    [
        ("={a: nope(response.x), b: 1}", {"a": None, "b": 1}),
        ('={a: upper case("x", "y"), b: upper case("x")}', {"a": None, "b": "X"}),
        ("={doc: createDocumnt(response)}", {"doc": None}),
    ],
)
def test_result_expression_calls_no_function_accepts_give_null(
    run: Any, expression: str, variables: dict[str, Any]
) -> None:
    outcome = run(ok({"x": 1}), {"resultExpression": expression})
    assert isinstance(outcome, Completed) and outcome.variables == variables
    assert warnings_logged(outcome)


def test_what_fails_in_camunda_still_fails(run: Any) -> None:
    outcome = run(ok({}), {"errorExpression": 'bpmnError(123, "")'})
    assert isinstance(outcome, Failed) and outcome.retries == 0
    assert "Parameter 'errorCode' of function 'bpmnError' must be a String" in outcome.message
    syntax = run(ok({}), {"resultExpression": "={a: 1"}, retries=3)
    assert isinstance(syntax, Failed) and syntax.retries == 2


FORBIDDEN = "The connector result contains a forbidden literal 'camunda.function.type'."


@pytest.mark.parametrize(
    ("response", "headers"),
    [
        # ConnectorResultHandlerTest.ensureCanNotProduceIntrinsicFunction
        ({}, {"resultExpression": '={"camunda.function.type": "myfun", params: ["test"]}'}),
        ({"v": "x camunda.function.type y"}, {"resultExpression": "={a: response.body.v}"}),
        # ...ErrorExpression: response data smuggled into the BPMN error's variables
        (
            {"camunda.function.type": "myfun", "params": ["test"]},
            {"errorExpression": 'bpmnError("CODE", "msg", {leaked: response})'},
        ),
    ],
)
def test_intrinsic_function_marker_is_refused(
    run: Any, response: dict[str, Any], headers: dict[str, str]
) -> None:
    outcome = run(ok(response), headers, retries=3)
    assert isinstance(outcome, Failed) and outcome.retries == 0
    assert FORBIDDEN in outcome.message


def test_marker_in_a_result_variable_alone_is_not_checked(run: Any) -> None:
    outcome = run(ok({"camunda.function.type": "f"}), {"resultVariable": "r"})
    assert isinstance(outcome, Completed)
    assert outcome.variables["r"]["body"] == {"camunda.function.type": "f"}


def test_connector_result_function_key_passes_through(run: Any) -> None:
    # Camunda's ConnectorResultHandlerTest:
    # createOutputVariablesDoesNotResolveAnInjectedSentinelFromResponseData
    body = {"connectorResultFunction": "createDocument", "value": "YXR0YWNrZXI="}
    outcome = run(ok(body), {"resultExpression": "={result: response.body}"})
    assert isinstance(outcome, Completed) and outcome.variables == {"result": body}
