"""A connector's job result (Camunda's ad-hoc sub-process response) reaches the completion; the
response beside it still goes through resultVariable/resultExpression."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from connectorhub_sdk import (
    AdHocSubProcessResult,
    ConnectorContext,
    ConnectorResponse,
    ElementActivation,
    connector,
)
from pydantic import BaseModel

from connectors.registry import Registry
from connectors.runs.stored import StoredOutcome
from connectors.runtime import Completed, Failed, JobRequest, run_job, run_job_async
from connectors.secrets import MappingSecretProvider

from .conftest import SECRETS

JOB_RESULT = {
    "type": "adHocSubProcess",
    "activateElements": [{"elementId": "lookUpOrder", "variables": {"token": "tok-123-secret"}}],
    "isCompletionConditionFulfilled": True,
    "isCancelRemainingInstances": False,
}


class PlanInput(BaseModel):
    token: str


def _response(data: PlanInput) -> ConnectorResponse:
    activation = ElementActivation("lookUpOrder", {"token": data.token})
    plan = AdHocSubProcessResult([activation], completion_condition_fulfilled=True)
    return ConnectorResponse({"tool": "lookUpOrder"}, job_result=plan)


@connector(type="test:plan:1", name="Plan", input=PlanInput)
def plan(data: PlanInput, context: ConnectorContext) -> ConnectorResponse:
    return _response(data)


@connector(type="test:plan-async:1", name="Plan async", input=PlanInput)
async def plan_async(data: PlanInput, context: ConnectorContext) -> ConnectorResponse:
    return _response(data)


@connector(type="test:plain:1", name="Plain", input=PlanInput)
def plain(data: PlanInput, context: ConnectorContext) -> dict[str, Any]:
    return {"token": data.token}


@pytest.fixture(scope="module")
def registry() -> Registry:
    registry = Registry()
    registry.register(plan, "builtin:tests.runtime.job_result")
    registry.register(plan_async, "builtin:tests.runtime.job_result")
    registry.register(plain, "builtin:tests.runtime.job_result")
    return registry


def _job(job_type: str, headers: dict[str, str]) -> JobRequest:
    return JobRequest(job_type, {"token": "{{secrets.TOKEN}}"}, headers)


def test_the_job_result_is_carried_and_the_response_mapped_as_before(registry: Registry) -> None:
    job = _job("test:plan:1", {"resultExpression": "={chosen: tool}"})
    outcome = run_job(job, secrets=MappingSecretProvider(SECRETS), registry=registry)
    assert isinstance(outcome, Completed), outcome
    assert outcome.variables == {"chosen": "lookUpOrder"}
    assert outcome.job_result == JOB_RESULT
    stored = StoredOutcome.from_outcome(outcome)
    assert stored.response == {"tool": "lookUpOrder"} and stored.job_result is not None
    # the stored form is for the run page: the secret in it is masked, the live one is not
    assert stored.job_result["activateElements"][0]["variables"] == {"token": "***"}


def test_an_async_connector_returns_one_too(registry: Registry) -> None:
    job = _job("test:plan-async:1", {"resultVariable": "r"})
    run = run_job_async(job, secrets=MappingSecretProvider(SECRETS), registry=registry)
    outcome = asyncio.run(run)
    assert isinstance(outcome, Completed), outcome
    assert (outcome.variables, outcome.job_result) == ({"r": {"tool": "lookUpOrder"}}, JOB_RESULT)


def test_a_plain_return_has_no_job_result(registry: Registry) -> None:
    job = JobRequest("test:plain:1", {"token": "x"}, {"resultVariable": "r"})
    outcome = run_job(job, secrets=MappingSecretProvider(SECRETS), registry=registry)
    assert isinstance(outcome, Completed), outcome
    assert (outcome.variables, outcome.job_result) == ({"r": {"token": "x"}}, None)
    assert StoredOutcome.from_outcome(outcome).job_result is None


def test_ignore_error_with_a_job_result_fails_as_camunda_does(registry: Registry) -> None:
    verdict = '=ignoreError({"ignored": true})'
    job = _job("test:plan:1", {"errorExpression": verdict})
    outcome = run_job(job, secrets=MappingSecretProvider(SECRETS), registry=registry)
    assert isinstance(outcome, Failed), outcome
    assert outcome.retries == 0
    assert "ignoreError is not supported" in outcome.message
