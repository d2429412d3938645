"""`io.camunda:aws-sns:1`, Camunda's Amazon SNS connector (outbound): publish one message to a
standard or FIFO topic, with a subject and message attributes; the result is
`{"messageId": ...}` (SnsConnectorFunction, TopicRequestData, SnsConnectorResult)."""

from __future__ import annotations

from typing import Literal

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector
from connectorhub_sdk.types import FeelText, Text
from pydantic import BaseModel, ConfigDict, Field

from . import base, messages


class Topic(BaseModel):
    model_config = ConfigDict(extra="ignore")
    topicArn: Text = Field(min_length=1, title="Topic ARN")
    region: FeelText | None = None  # templates v1 and v3; configuration.region wins
    type: Literal["standard", "fifo"] = "standard"
    subject: FeelText | None = None
    message: messages.FeelValue = None
    messageAttributes: messages.Attributes = None
    messageGroupId: FeelText | None = None
    messageDeduplicationId: FeelText | None = None


class SnsInput(base.AwsBaseInput):
    """The union of the inputs of every version of Camunda's SNS template."""

    topic: Topic


@connector(
    type="io.camunda:aws-sns:1",
    name="Amazon SNS Connector",
    input=SnsInput,
    description="Publish a message to an Amazon SNS topic; runs Camunda's official SNS templates "
    "unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/amazon-sns/",
)
def sns(data: SnsInput, context: ConnectorContext) -> JSON:
    """Publish the message and return its id."""
    topic = data.topic
    if topic.message is None:
        raise ConnectorInputError("must not be null", field="topic.message")
    where = base.target(data, "sns", context, region=topic.region)
    params: dict[str, object] = {
        "TopicArn": topic.topicArn.strip(),
        "Message": messages.text(topic.message),
    }
    if topic.subject:
        params["Subject"] = topic.subject
    if topic.messageAttributes:
        params["MessageAttributes"] = messages.native(topic.messageAttributes)
    group = messages.fifo_group(topic.type, topic.messageGroupId, "topic.messageGroupId")
    if group is not None:
        params["MessageGroupId"] = group
    if (topic.messageDeduplicationId or "").strip():
        params["MessageDeduplicationId"] = topic.messageDeduplicationId
    answer = base.call(where, "publish", params, context, f"to {params['TopicArn']}")
    return {"messageId": answer["MessageId"]}
