"""`io.camunda:aws-sqs:1`, Camunda's Amazon SQS connector (outbound): one message to a standard
or FIFO queue, with message attributes and FIFO group and deduplication ids; the result is
`{"messageId": ...}` (SqsConnectorFunction, QueueRequestData, SqsConnectorResult)."""

from __future__ import annotations

from typing import Literal

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector
from connectorhub_sdk.types import Text
from pydantic import BaseModel, ConfigDict, Field

from . import base, messages


class Queue(BaseModel):
    model_config = ConfigDict(extra="ignore")
    url: Text = Field(min_length=1, title="URL")
    region: Text | None = None  # templates v2 and v4; configuration.region wins
    type: Literal["standard", "fifo"] = "standard"
    messageBody: messages.FeelValue = Field(title="Message body")
    messageAttributes: messages.Attributes = None
    messageGroupId: Text | None = None
    messageDeduplicationId: Text | None = None


class SqsInput(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's SQS template."""

    queue: Queue


@connector(
    type="io.camunda:aws-sqs:1",
    name="Amazon SQS Connector",
    input=SqsInput,
    description="Send a message to an Amazon SQS queue; runs Camunda's official SQS templates "
    "unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-sqs/",
)
def sqs(data: SqsInput, context: ConnectorContext) -> JSON:
    """Send the message and return its id."""
    queue = data.queue
    if queue.messageBody is None:
        raise ConnectorInputError("must not be null", field="queue.messageBody")
    where = base.target(data, "sqs", context, region=queue.region)
    params: dict[str, object] = {
        "QueueUrl": queue.url.strip(),
        "MessageBody": messages.text(queue.messageBody),
    }
    if queue.messageAttributes:
        params["MessageAttributes"] = messages.native(queue.messageAttributes)
    group = messages.fifo_group(queue.type, queue.messageGroupId, "queue.messageGroupId")
    if group is not None:
        params["MessageGroupId"] = group
    if (queue.messageDeduplicationId or "").strip():
        params["MessageDeduplicationId"] = queue.messageDeduplicationId
    answer = base.call(where, "send_message", params, context, f"to {params['QueueUrl']}")
    return {"messageId": answer["MessageId"]}
