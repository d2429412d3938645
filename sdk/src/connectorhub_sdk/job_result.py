"""A response that also carries a job result, as Camunda's `ConnectorResponse` family does.

Camunda's runtime sends a job result on completion for one kind of response only:
`AdHocSubProcessConnectorResponse` (elements to activate in the ad-hoc sub-process that
contains the task, whether its completion condition is fulfilled, whether to cancel the
remaining instances). A connector returns `ConnectorResponse(value, job_result=...)`; the
value goes through `resultVariable`/`resultExpression` as any returned value does, and the
job result travels on the complete command (Camunda 8.8's REST `/v2/jobs/{key}/completion`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ElementActivation:
    """One element of the ad-hoc sub-process to activate, with variables for its scope."""

    element_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AdHocSubProcessResult:
    """Camunda's job result of type `adHocSubProcess`."""

    activate_elements: Sequence[ElementActivation] = ()
    completion_condition_fulfilled: bool = False
    cancel_remaining_instances: bool = False

    def as_job_result(self) -> dict[str, Any]:
        """The `result` object of the complete command, as rest-api.yaml spells it."""
        return {
            "type": "adHocSubProcess",
            "activateElements": [
                {"elementId": element.element_id, "variables": dict(element.variables)}
                for element in self.activate_elements
            ],
            "isCompletionConditionFulfilled": self.completion_condition_fulfilled,
            "isCancelRemainingInstances": self.cancel_remaining_instances,
        }


@dataclass(frozen=True)
class ConnectorResponse:
    """What a connector returns when the job's completion must carry a job result.

    VALUE is the connector's response (what a plain return would be); JOB_RESULT is sent
    with the completion. The gateway checks the job result: one it refuses fails the job
    with the gateway's reason.
    """

    value: Any
    job_result: AdHocSubProcessResult
