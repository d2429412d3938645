"""The job and event operations' compiled checks (contract.py) give openapi-core's verdicts.

The test engine checks the job endpoints, which a worker calls per job, and the message and
process instance endpoints, which the inbound runtime calls per event, with validators built
once from rest-api.yaml, and every other endpoint with openapi-core. Both are held here to the
same verdict on each request and response: accepted, or refused with the same schema errors
(the compiled checks must not drop a check openapi-core makes). No server: the checks alone.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse

from tests.services.zeebe_engine.contract import UndocumentedStatus, Violation
from tests.services.zeebe_engine.rest import job_contract, openapi, require_protocol

pytestmark = pytest.mark.zeebe

KEY = "2251799813685249"
JOB = {
    "type": "io.camunda:http-json:1", "processDefinitionId": "p", "processDefinitionVersion": 1,
    "elementId": "task", "customHeaders": {"resultVariable": "r"}, "worker": "w", "retries": 3,
    "deadline": 1765000000000, "variables": {"a": 1}, "tenantId": "<default>", "jobKey": KEY,
    "processInstanceKey": "2251799813685248", "processDefinitionKey": "2251799813685247",
    "elementInstanceKey": "2251799813685246", "kind": "BPMN_ELEMENT",
    "listenerEventType": "UNSPECIFIED",
}  # fmt: skip
AD_HOC = {
    "type": "adHocSubProcess",
    "activateElements": [{"elementId": "a", "variables": {"n": 1}}],
    "isCompletionConditionFulfilled": False,
    "isCancelRemainingInstances": False,
}
PUBLISH = {"name": "order-paid", "correlationKey": "7", "timeToLive": 1000, "variables": {"a": 1}}
CREATE = {"processDefinitionId": "p", "processDefinitionVersion": -1, "variables": {"a": 1}}
EVENT_REQUESTS: list[tuple[str, str, Any]] = [
    ("post", "/v2/messages/publication", PUBLISH),
    ("post", "/v2/messages/publication", {**PUBLISH, "messageId": "m-1", "tenantId": "t"}),
    ("post", "/v2/messages/publication", {"correlationKey": "7"}),
    ("post", "/v2/messages/publication", {**PUBLISH, "timeToLive": "PT1S"}),
    ("post", "/v2/messages/publication", {**PUBLISH, "variables": [1]}),
    ("post", "/v2/messages/publication", None),
    ("post", "/v2/messages/correlation", {"name": "n", "correlationKey": "7", "variables": {}}),
    ("post", "/v2/messages/correlation", {"name": 7}),
    ("post", "/v2/messages/correlation", None),
    ("post", "/v2/process-instances", CREATE),
    ("post", "/v2/process-instances", {"processDefinitionKey": KEY, "variables": {}}),
    (
        "post",
        "/v2/process-instances",
        {**CREATE, "awaitCompletion": True, "requestTimeout": 0, "fetchVariables": ["a"]},
    ),
    ("post", "/v2/process-instances", {**CREATE, "processDefinitionKey": KEY}),
    ("post", "/v2/process-instances", {**CREATE, "processDefinitionVersion": "1"}),
    ("post", "/v2/process-instances", {"processDefinitionKey": "abc"}),
    ("post", "/v2/process-instances", {"variables": {}}),
    ("post", "/v2/process-instances", None),
]
ACTIVATION = {"type": "t", "worker": "w", "timeout": 30_000, "maxJobsToActivate": 5}
REQUESTS: list[tuple[str, str, Any]] = [
    ("post", "/v2/jobs/activation", ACTIVATION),
    ("post", "/v2/jobs/activation", {**ACTIVATION, "fetchVariable": ["a"], "requestTimeout": -1}),
    ("post", "/v2/jobs/activation", {**ACTIVATION, "timeout": "soon"}),
    ("post", "/v2/jobs/activation", {"worker": "w", "timeout": 1, "maxJobsToActivate": 1}),
    ("post", "/v2/jobs/activation", {**ACTIVATION, "fetchVariable": "a"}),
    ("post", "/v2/jobs/activation", None),
    ("post", f"/v2/jobs/{KEY}/completion", {"variables": {"out": {"x": [1, None]}}}),
    ("post", f"/v2/jobs/{KEY}/completion", None),
    ("post", f"/v2/jobs/{KEY}/completion", {"variables": [1]}),
    ("post", f"/v2/jobs/{KEY}/completion", {"variables": None}),
    ("post", f"/v2/jobs/{KEY}/completion", {"variables": {}, "result": AD_HOC}),
    ("post", f"/v2/jobs/{KEY}/completion", {"variables": {}, "result": {"type": "aiAgent"}}),
    ("post", "/v2/jobs/abc/completion", {"variables": {}}),
    ("post", "/v2/jobs/12345678901234567890123456/completion", {"variables": {}}),
    ("post", f"/v2/jobs/{KEY}/failure", {"retries": 0, "errorMessage": "x", "retryBackOff": 0}),
    ("post", f"/v2/jobs/{KEY}/failure", {"retries": "two"}),
    ("post", f"/v2/jobs/{KEY}/error", {"errorCode": "E1", "errorMessage": "m", "variables": {}}),
    ("post", f"/v2/jobs/{KEY}/error", {"errorMessage": "no code"}),
    ("patch", f"/v2/jobs/{KEY}", {"changeset": {"timeout": 90_000}}),
    ("patch", f"/v2/jobs/{KEY}", {"changeset": {"retries": "many"}}),
    ("patch", f"/v2/jobs/{KEY}", {"timeout": 90_000}),
    *EVENT_REQUESTS,
]
PROBLEM = {"type": "about:blank", "title": "NOT_FOUND", "status": 404, "detail": "no such job"}
INSTANCE = {
    "processInstanceKey": KEY, "processDefinitionId": "p", "processDefinitionKey": KEY,
    "processDefinitionVersion": 1, "tenantId": "<default>", "variables": {"a": 1},
}  # fmt: skip
EVENT_RESPONSES: list[tuple[str, str, int, str, Any]] = [
    ("post", "/v2/messages/publication", 200, "application/json",
     {"messageKey": KEY, "tenantId": "<default>"}),
    ("post", "/v2/messages/publication", 200, "application/json", {"messageKey": 7}),
    ("post", "/v2/messages/publication", 409, "application/problem+json",
     {**PROBLEM, "status": 409}),
    ("post", "/v2/messages/correlation", 200, "application/json",
     {"messageKey": KEY, "processInstanceKey": KEY, "tenantId": "<default>"}),
    ("post", "/v2/messages/correlation", 404, "application/problem+json", PROBLEM),
    ("post", "/v2/process-instances", 200, "application/json", INSTANCE),
    ("post", "/v2/process-instances", 200, "application/json", {**INSTANCE, "variables": [1]}),
    ("post", "/v2/process-instances", 200, "application/json", {"processInstanceKey": KEY}),
    ("post", "/v2/process-instances", 504, "application/problem+json",
     {**PROBLEM, "status": 504}),
    ("post", "/v2/process-instances", 200, "text/plain", "created"),
]  # fmt: skip
RESPONSES: list[tuple[str, str, int, str, Any]] = [
    ("post", "/v2/jobs/activation", 200, "application/json", {"jobs": [JOB, JOB]}),
    ("post", "/v2/jobs/activation", 200, "application/json", {"jobs": []}),
    ("post", "/v2/jobs/activation", 200, "application/json", {"jobs": [{**JOB, "jobKey": 7}]}),
    ("post", "/v2/jobs/activation", 200, "application/json", {"jobs": [{**JOB, "kind": "X"}]}),
    ("post", "/v2/jobs/activation", 200, "application/json", {"job": []}),
    ("post", "/v2/jobs/activation", 200, "text/plain", "jobs"),
    ("post", "/v2/jobs/activation", 400, "application/problem+json", {**PROBLEM, "status": 400}),
    ("post", "/v2/jobs/activation", 404, "application/problem+json", PROBLEM),
    ("post", f"/v2/jobs/{KEY}/completion", 204, "application/json", None),
    ("post", f"/v2/jobs/{KEY}/completion", 200, "application/json", {}),
    ("post", f"/v2/jobs/{KEY}/completion", 404, "application/problem+json", PROBLEM),
    ("post", f"/v2/jobs/{KEY}/completion", 409, "application/problem+json", {"status": "x"}),
    ("patch", f"/v2/jobs/{KEY}", 204, "application/json", None),
    *EVENT_RESPONSES,
]


@pytest.fixture(scope="module")
def checks() -> tuple[Any, Any]:
    path = require_protocol()
    return openapi(path), job_contract(path)


def openapi_core_verdict(check: Any) -> str:
    try:
        check()
    except ResponseNotFound:
        return "undocumented"
    except Exception as exc:
        cause = exc.__cause__ or exc
        errors = sorted(str(error.message) for error in getattr(cause, "schema_errors", ()))
        return f"refused {errors}" if errors else "refused"
    return "accepted"


def contract_verdict(check: Any) -> str:
    try:
        check()
    except UndocumentedStatus:
        return "undocumented"
    except Violation as exc:
        return f"refused {sorted(exc.errors)}" if exc.errors else "refused"
    return "accepted"


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
def test_a_job_request_gets_openapi_cores_verdict(
    checks: tuple[Any, Any], method: str, path: str, body: Any
) -> None:
    api, contract = checks
    data = None if body is None else json.dumps(body)
    request = MockRequest("http://localhost:8080", method, path, data=data)
    operation, parameters = contract.find(method.upper(), path)
    expected = openapi_core_verdict(lambda: api.validate_request(request))
    got = contract_verdict(
        lambda: contract.check_request(operation, parameters, "application/json", body)
    )
    assert got == expected


@pytest.mark.parametrize(("method", "path", "status", "media_type", "body"), RESPONSES)
def test_a_job_response_gets_openapi_cores_verdict(
    checks: tuple[Any, Any], method: str, path: str, status: int, media_type: str, body: Any
) -> None:
    api, contract = checks
    data = b"" if body is None else json.dumps(body).encode()
    request = MockRequest("http://localhost:8080", method, path, data="{}")
    response = MockResponse(data, status_code=status, content_type=media_type)
    operation, _ = contract.find(method.upper(), path)
    expected = openapi_core_verdict(lambda: api.validate_response(request, response))
    got = contract_verdict(lambda: contract.check_response(operation, status, media_type, data))
    assert got == expected


def test_only_the_job_and_event_operations_are_compiled(checks: tuple[Any, Any]) -> None:
    _, contract = checks
    assert contract.find("POST", "/v2/messages/search") is None
    assert contract.find("POST", "/v2/process-instances/search") is None
    assert contract.find("POST", "/v2/messages/publication") is not None
    assert contract.find("GET", f"/v2/jobs/{KEY}") is None  # PATCH only
    operation, parameters = contract.find("POST", f"/v2/jobs/{KEY}/failure")
    assert (operation.template, parameters) == ("/jobs/{jobKey}/failure", {"jobKey": KEY})
