"""A connector's response together with a job result (Camunda's ad-hoc sub-process response)."""

from __future__ import annotations

from connectorhub_sdk import (
    AdHocSubProcessResult,
    ConnectorContext,
    ConnectorResponse,
    ElementActivation,
    connector,
)
from connectorhub_sdk.testing import run_connector
from pydantic import BaseModel


class PlanInput(BaseModel):
    tool: str


@connector(type="test:plan:1", name="Plan", input=PlanInput)
def plan(data: PlanInput, context: ConnectorContext) -> ConnectorResponse:
    return ConnectorResponse(
        {"chose": data.tool},
        job_result=AdHocSubProcessResult(
            activate_elements=[ElementActivation(data.tool, {"orderId": 7})],
            completion_condition_fulfilled=False,
        ),
    )


def test_run_connector_returns_the_response_and_its_job_result() -> None:
    returned = run_connector(plan, {"tool": "lookUpOrder"})
    assert isinstance(returned, ConnectorResponse)
    assert returned.value == {"chose": "lookUpOrder"}
    assert returned.job_result.as_job_result() == {
        "type": "adHocSubProcess",
        "activateElements": [{"elementId": "lookUpOrder", "variables": {"orderId": 7}}],
        "isCompletionConditionFulfilled": False,
        "isCancelRemainingInstances": False,
    }
