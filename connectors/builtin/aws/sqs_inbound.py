"""`io.camunda:aws-sqs-inbound:1`, Camunda's Amazon SQS consumer, drop-in for every version of
its start, message start, intermediate, boundary and receive templates (docs/aws-connectors.md,
"Inbound").

Follows SqsExecutable (the queue checked with GetQueueAttributes before consuming),
SqsQueueConsumer (long polling, all attributes and message attributes unless named, the
message deleted after a successful correlation and left for redelivery after the visibility
timeout otherwise, the message id as correlation message id) and MessageMapper (the variables).
Every request goes through the network door (botocore's `before-send` hook, aws/door.py).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from botocore.client import BaseClient
from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.inbound import Health, InboundContext, consumer
from connectorhub_sdk.network import Network
from connectorhub_sdk.types import FeelObject, Text
from pydantic import BaseModel, ConfigDict, Field

from connectors.builtin.consuming import Backoff, deliver, keep_consuming

from . import base, door, errors

TYPE = "io.camunda:aws-sqs-inbound:1"
# Long polling is cut at this many seconds so that stopping the element takes no longer (the
# template's 20 s would keep a deactivated consumer waiting); an empty answer just polls again
MAX_WAIT = 5
BATCH = 10  # messages per ReceiveMessage (SQS's maximum; Camunda's client asks for one)
_DECODER = json.JSONDecoder()


class SqsInboundQueue(BaseModel):
    """Camunda's SqsInboundQueueProperties."""

    model_config = ConfigDict(extra="ignore")
    url: Text | None = Field(default=None, title="Queue URL")
    region: Text | None = None  # deprecated; configuration.region wins
    attributeNames: FeelObject = None
    messageAttributeNames: FeelObject = None
    pollingWaitTime: Text | None = "20"


class SqsInboundInput(base.AwsBaseInput):
    """Camunda's SqsInboundProperties: the AWS base fields and `queue`."""

    queue: SqsInboundQueue | None = None


class _Caller:
    """What aws/door.py reads of a run's context, for a consumer: its network door (every
    connection goes to addresses it vetted, so its host rules and address policy apply), and
    no time limit. The per-request `admit` of dry-runs is not needed: a consumer is no dry-run."""

    address_policy = None

    def __init__(self, network: Network) -> None:
        self.network = network

    def check_egress(self, host: str) -> None:
        return None  # the door's resolve checks the host rules when a connection is opened

    def time_remaining(self) -> float | None:
        return None


@consumer(
    type=TYPE,
    name="Amazon SQS Consumer",
    input=SqsInboundInput,
    description="Start or continue a process for each message of an Amazon SQS queue; runs "
    "Camunda's official SQS inbound templates unchanged.",
)
def consume(data: SqsInboundInput, context: InboundContext) -> None:
    """Poll the queue until the element is deactivated; delete only accepted messages."""
    queue = data.queue or SqsInboundQueue()
    url = (queue.url or "").strip()
    if not url:
        raise ConnectorInputError("must not be blank", field="queue.url")
    wait = _wait(queue.pollingWaitTime)
    caller = _Caller(context.network)
    target = base.target(data, "sqs", caller, region=queue.region)  # type: ignore[arg-type]
    request = {
        "QueueUrl": url,
        "WaitTimeSeconds": min(max(wait, 1), MAX_WAIT),  # Camunda turns 0 into 1
        "MaxNumberOfMessages": BATCH,
        "MessageAttributeNames": _names(queue.messageAttributeNames, "queue.messageAttributeNames"),
        "MessageSystemAttributeNames": _names(queue.attributeNames, "queue.attributeNames"),
    }

    def session(backoff: Backoff) -> None:
        client = base.client_for(target)
        with door.calling(caller):  # type: ignore[arg-type]
            try:
                client.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
                )
            except client.exceptions.QueueDoesNotExist:
                raise LookupError(f"Queue does not exist: {url}") from None  # as SqsExecutable
            context.report_health(Health.UP, f"polling {url}")
            context.log(f"Activated subscription for queue: {url}", tag="CONSUMER")
            backoff.reset()
            while not context.stopping.is_set():
                answer = client.receive_message(**request)
                for message in answer.get("Messages", []):
                    _handle(context, client, url, message)

    keep_consuming(context, session, lambda exc: _describe(exc, target))


def _handle(context: InboundContext, client: BaseClient, url: str, message: dict[str, Any]) -> None:
    """Correlate one message; delete it when the engine accepted it, else leave it to come back
    after its visibility timeout."""
    message_id = message.get("MessageId")
    if deliver(context, f"SQS message {message_id}", lambda: variables(message), message_id):
        client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def variables(message: dict[str, Any]) -> dict[str, Any]:
    """MessageMapper#toSqsInboundMessage: SqsInboundMessage's fields as Jackson names them."""
    return {
        "messageId": message.get("MessageId"),
        "receiptHandle": message.get("ReceiptHandle"),
        "mD5OfBody": message.get("MD5OfBody"),
        "body": body_value(message.get("Body", "")),
        "attributes": dict(message.get("Attributes", {})),
        "mD5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
        "messageAttributes": {
            name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
    }


def body_value(body: str) -> Any:
    """readValue(body, Object.class): the JSON value, else the text as it is."""
    stripped = body.strip()
    try:
        value, end = _DECODER.raw_decode(stripped)
    except ValueError:
        return body
    rest = stripped[end:]
    if rest and not isinstance(value, dict | list) and not rest[0].isspace():
        return body
    return value


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    """MessageAttributeValue; binary values as base64 text (Jackson writes a ByteBuffer so)."""
    binary = value.get("BinaryValue")
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": base64.b64encode(binary).decode() if binary is not None else None,
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [
            base64.b64encode(b).decode() for b in value.get("BinaryListValues", [])
        ],
        "dataType": value.get("DataType"),
    }


def _wait(text: str | None) -> int:
    """pollingWaitTime: 0-20 seconds (Camunda's pattern)."""
    value = (text or "").strip()
    if not value.isdigit() or int(value) > 20:
        raise ConnectorInputError(
            "must be a whole number of seconds from 0 to 20", field="queue.pollingWaitTime"
        )
    return int(value)


def _names(value: Any, field: str) -> list[str]:
    """A list of names (a FEEL list, JSON text, or comma-separated text); none: `All`."""
    if value in (None, "", []):
        return ["All"]
    if isinstance(value, str):
        value = [part.strip() for part in value.strip("[]").split(",") if part.strip()]
        value = [part.strip("\"'") for part in value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConnectorInputError('must be a list of names, e.g. ["All"]', field=field)
    return value or ["All"]


def _describe(exc: BaseException, target: base.Target) -> str:
    """The reason shown with health DOWN, as Camunda's AWS errors read (never a key)."""
    if isinstance(exc, ConnectorInputError | LookupError):
        return str(exc)
    failure = errors.mapped(exc, "sqs", target.where) if isinstance(exc, Exception) else exc
    return str(failure) or type(exc).__name__
