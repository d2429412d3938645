"""The SQS consumer against moto: every template version, Camunda's variables and message id,
a message deleted only after the engine accepted it (else back after its visibility timeout),
a poison message that does not stop the others, a prompt stop, and health DOWN with the reason
for a queue that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from connectorhub_sdk.inbound import CorrelationOutcome, CorrelationResult, Health
from connectorhub_sdk.inbound_testing import InboundTestContext

from connectors.builtin.aws.sqs_inbound import TYPE, body_value, consume
from tests.consumers.conftest import Running, unique, wait_for
from tests.consumers.corpus import element_properties, inbound_templates, template_id
from tests.services.moto import Moto

pytestmark = pytest.mark.xdist_group("moto")

FILES = [
    "aws-sqs-start-event-connector.json",
    "aws-sqs-start-message.json",
    "aws-sqs-inbound-intermediate-connector.json",
    "aws-sqs-boundary-connector.json",
    "aws-sqs-receive-connector.json",
]
TEMPLATES = inbound_templates(*FILES)
Start = Callable[..., Running]


def client(moto: Moto) -> Any:
    return boto3.client(
        "sqs",
        region_name=moto.region,
        endpoint_url=moto.endpoint,
        aws_access_key_id=moto.access_key,
        aws_secret_access_key=moto.secret_key,
    )


def queue(moto: Moto, visibility: int = 1) -> str:
    """A new queue whose unacknowledged messages come back after VISIBILITY seconds."""
    answer = client(moto).create_queue(
        QueueName=unique("inbound"), Attributes={"VisibilityTimeout": str(visibility)}
    )
    return str(answer["QueueUrl"])


def properties(moto: Moto, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "inbound.type": TYPE,
        "authentication.type": "credentials",
        "authentication.accessKey": moto.access_key,
        "authentication.secretKey": moto.secret_key,
        "configuration.region": moto.region,
        "queue.region": moto.region,
        "configuration.endpoint": moto.endpoint,
        "queue.url": url,
        "queue.pollingWaitTime": "1",
        **extra,
    }


def left(moto: Moto, url: str) -> int:
    """Messages in the queue, visible or not."""
    attributes = client(moto).get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_the_corpus_holds_every_inbound_template_version() -> None:
    assert len(TEMPLATES) == 41


@pytest.mark.parametrize("tpl", TEMPLATES, ids=template_id)
def test_every_template_version_consumes(tpl: dict[str, Any], moto: Moto, running: Start) -> None:
    url = queue(moto)
    values = properties(moto, url)
    # configuration.endpoint is Hidden in the templates: set as a user pointing it elsewhere
    element = {**element_properties(tpl, values), "configuration.endpoint": moto.endpoint}
    assert element["inbound.type"] == TYPE
    client(moto).send_message(QueueUrl=url, MessageBody='{"v": 1}')
    context = InboundTestContext(element)
    consumer = running(consume, context)
    wait_for(lambda: context.correlations, what="a correlation")
    consumer.stop()
    assert context.correlations[0].variables["body"] == {"v": 1}


def test_a_message_arrives_with_camundas_variables_and_message_id(
    moto: Moto, running: Start
) -> None:
    url = queue(moto)
    sent = client(moto).send_message(
        QueueUrl=url,
        MessageBody='{"order": 42}',
        MessageAttributes={
            "tenant": {"DataType": "String", "StringValue": "acme"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    context = InboundTestContext(properties(moto, url))
    running(consume, context)
    (correlation,) = wait_for(lambda: context.correlations)
    variables = correlation.variables
    assert correlation.message_id == sent["MessageId"] == variables["messageId"]
    assert variables["body"] == {"order": 42}
    assert variables["mD5OfBody"] == sent["MD5OfMessageBody"]
    assert variables["receiptHandle"]
    assert variables["messageAttributes"] == {
        "tenant": {
            "stringValue": "acme",
            "binaryValue": None,
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
        "blob": {
            "stringValue": None,
            "binaryValue": "AAE=",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
    }
    assert variables["mD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert {"SentTimestamp", "ApproximateReceiveCount"} <= set(variables["attributes"])
    wait_for(lambda: left(moto, url) == 0, what="the delete")


def test_only_the_named_attributes_are_asked_for(moto: Moto, running: Start) -> None:
    url = queue(moto)
    client(moto).send_message(
        QueueUrl=url,
        MessageBody="x",
        MessageAttributes={
            "a": {"DataType": "String", "StringValue": "1"},
            "b": {"DataType": "String", "StringValue": "2"},
        },
    )
    values = properties(
        moto,
        url,
        **{"queue.attributeNames": '=["SentTimestamp"]', "queue.messageAttributeNames": '=["a"]'},
    )
    context = InboundTestContext(values)
    running(consume, context)
    (correlation,) = wait_for(lambda: context.correlations)
    assert set(correlation.variables["attributes"]) == {"SentTimestamp"}
    assert set(correlation.variables["messageAttributes"]) == {"a"}
    assert correlation.variables["body"] == "x"


@pytest.mark.parametrize(
    ("body", "value"),
    [("plain", "plain"), ("42", 42), ('"q"', "q"), ("[1] x", [1]), ("12ab", "12ab"), ("", "")],
)
def test_the_body_is_read_as_camundas_mapper_reads_it(body: str, value: Any) -> None:
    assert body_value(body) == value


def test_a_message_the_engine_did_not_accept_comes_back_and_is_deleted_later(
    moto: Moto, running: Start
) -> None:
    url = queue(moto)
    refused: list[str] = []

    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        if variables["body"] == "b" and not refused:
            refused.append(str(message_id))
            return CorrelationResult(CorrelationOutcome.ENGINE_ERROR, False, retryable=True)
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    for body in ("a", "b", "c"):
        client(moto).send_message(QueueUrl=url, MessageBody=body)
    context = InboundTestContext(properties(moto, url), answer=answer)
    consumer = running(consume, context)
    wait_for(lambda: len(context.correlations) == 4, what="the redelivery of b")
    wait_for(lambda: left(moto, url) == 0, what="every delete")
    consumer.stop()
    again = [c for c in context.correlations if c.message_id == refused[0]]
    assert [c.result.acknowledge for c in again] == [False, True]


def test_nothing_is_deleted_that_the_engine_did_not_accept(moto: Moto, running: Start) -> None:
    url = queue(moto, visibility=30)
    client(moto).send_message(QueueUrl=url, MessageBody="unmatched")
    context = InboundTestContext(properties(moto, url), activation=lambda variables: False)
    consumer = running(consume, context)
    wait_for(lambda: context.correlations)
    consumer.stop()
    assert left(moto, url) == 1


def test_a_poison_message_does_not_stop_the_others(moto: Moto, running: Start) -> None:
    url = queue(moto, visibility=30)

    def answer(variables: Any, message_id: str | None) -> CorrelationResult:
        if variables["body"] == "poison":
            raise RuntimeError("the answer broke on this message")
        return CorrelationResult(CorrelationOutcome.MESSAGE_PUBLISHED, acknowledge=True)

    for body in ("a", "poison", "c", "d"):
        client(moto).send_message(QueueUrl=url, MessageBody=body)
    context = InboundTestContext(properties(moto, url), answer=answer)
    consumer = running(consume, context)
    wait_for(lambda: {"a", "c", "d"} <= {c.variables["body"] for c in context.correlations})
    wait_for(lambda: left(moto, url) == 1, what="the three deletes")
    consumer.stop()
    assert consumer.errors == []
    assert any("the answer broke" in m for s, m in context.activity if s == "ERROR")


def test_stopping_ends_the_loop(moto: Moto, running: Start) -> None:
    url = queue(moto)
    context = InboundTestContext(properties(moto, url, **{"queue.pollingWaitTime": "20"}))
    consumer = running(consume, context)
    wait_for(lambda: context.health[0] == Health.UP)
    consumer.stop()  # within STOP_SECONDS although the template asks for 20 s polls


def test_a_missing_queue_is_down_with_the_reason(moto: Moto, running: Start) -> None:
    url = f"{moto.endpoint}/123456789012/no-such-queue"
    context = InboundTestContext(properties(moto, url))
    running(consume, context)
    health = wait_for(lambda: context.health[0] == Health.DOWN and context.health)
    assert "no-such-queue" in health[1] or "NonExistentQueue" in health[1]
    assert moto.secret_key not in health[1]


def test_the_network_door_applies_to_the_endpoint(moto: Moto, running: Start) -> None:
    url = queue(moto)
    context = InboundTestContext(properties(moto, url), allow_hosts=["sqs.example.com"])
    running(consume, context)
    health = wait_for(lambda: context.health[0] == Health.DOWN and context.health)
    assert "may not connect to 127.0.0.1" in health[1]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"queue.url": " "}, "queue.url"),
        ({"queue.pollingWaitTime": "21"}, "queue.pollingWaitTime"),
        ({"authentication.accessKey": ""}, "authentication.accessKey"),
    ],
)
def test_bad_input_names_the_field(moto: Moto, values: dict[str, Any], field: str) -> None:
    context = InboundTestContext({**properties(moto, "http://q"), **values})
    with pytest.raises(Exception) as raised:
        consume.function(context.bind(consume.input), context)
    assert getattr(raised.value, "field", None) == field
