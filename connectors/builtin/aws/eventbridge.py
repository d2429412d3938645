"""`io.camunda:aws-eventbridge:1`, Camunda's Amazon EventBridge connector (outbound): put one
event (source, detail type, detail, event bus); the result is the v1-shaped PutEvents answer
Camunda builds (EventBridgeFunction, AwsEventBridgeInput, EventBridgeResult)."""

from __future__ import annotations

import json
from typing import Any

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector
from connectorhub_sdk.types import FeelText
from pydantic import BaseModel, ConfigDict, Field

from . import base, messages


class Event(BaseModel):
    model_config = ConfigDict(extra="ignore")
    source: FeelText = Field(pattern=r"\S", title="Source")
    detailType: FeelText = Field(pattern=r"\S", title="Detail type")
    eventBusName: FeelText = Field(pattern=r"\S", title="Event bus name")
    detail: messages.FeelValue = None


class EventBridgeInput(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's EventBridge template."""

    input: Event


@connector(
    type="io.camunda:aws-eventbridge:1",
    name="Amazon EventBridge Connector",
    input=EventBridgeInput,
    description="Send an event to an Amazon EventBridge event bus; runs Camunda's official "
    "EventBridge templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-eventbridge/",
)
def eventbridge(data: EventBridgeInput, context: ConnectorContext) -> JSON:
    """Put the event and return Camunda's result shape."""
    event = data.input
    if event.detail is None:
        raise ConnectorInputError("must not be null", field="input.detail")
    where = base.target(data, "events", context)
    entry = {
        "Source": event.source,
        "DetailType": event.detailType,
        "EventBusName": event.eventBusName,
        # always JSON, text too (Jackson's writeValueAsString)
        "Detail": json.dumps(event.detail, ensure_ascii=False, separators=(",", ":")),
    }
    summary = f"to {event.eventBusName}"
    answer = base.call(where, "put_events", {"Entries": [entry]}, context, summary)
    return result(answer)


def result(answer: dict[str, Any]) -> JSON:
    """EventBridgeResult: request id, HTTP metadata, failed count and entries, in its order."""
    return {
        **base.sdk_metadata(answer),
        "failedEntryCount": answer.get("FailedEntryCount"),
        "entries": [
            {
                "eventId": entry.get("EventId"),
                "errorCode": entry.get("ErrorCode"),
                "errorMessage": entry.get("ErrorMessage"),
            }
            for entry in answer.get("Entries", [])
        ],
    }
