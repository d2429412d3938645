"""SQS, SNS and EventBridge through the runtime core against moto, each from Camunda's current
template: a reader reads back exactly what was sent (SQS: body, attributes with their data
types, FIFO group and deduplication ids; SNS: through an SQS subscription; EventBridge: through
a rule that targets SQS), and each result has Camunda's shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.elementtemplates import build_job
from connectors.runtime import JobRequest, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.aws.conftest import (
    EVENTBRIDGE,
    SNS,
    SQS,
    aws_values,
    client,
    receive_all,
    run_aws,
    with_endpoint,
)
from tests.builtin.conftest import LOCAL_ONLY, result_of, values_for
from tests.services.moto import Moto

pytestmark = pytest.mark.xdist_group("moto")

ATTRIBUTES = (
    '={"tenant": {"DataType": "String", "StringValue": "acme"},'
    ' "weight": {"dataType": "Number", "stringValue": "12.5"},'
    ' "kind": {"dataType": "String.custom", "stringValue": "order"}}'
)
SENT_ATTRIBUTES = {
    "tenant": {"DataType": "String", "StringValue": "acme"},
    "weight": {"DataType": "Number", "StringValue": "12.5"},
    "kind": {"DataType": "String.custom", "StringValue": "order"},
}


def test_sqs_sends_body_and_typed_attributes_to_a_standard_queue(moto: Moto) -> None:
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
    outcome = run_aws(with_endpoint(SQS), moto, {
        "queue.url": url,
        "queue.type": "standard",
        "queue.messageBody": '={"order": 42, "items": ["a", "ü"]}',
        "queue.messageAttributes": ATTRIBUTES,
    })  # fmt: skip

    result = result_of(outcome)
    (message,) = receive_all(moto, url)
    assert result == {"messageId": message["MessageId"]}
    assert message["Body"] == '{"order":42,"items":["a","ü"]}'  # Jackson's compact JSON
    assert message["MessageAttributes"] == SENT_ATTRIBUTES


def test_sqs_sends_text_as_it_is(moto: Moto) -> None:
    url = client(moto, "sqs").create_queue(QueueName="notes")["QueueUrl"]
    outcome = run_aws(with_endpoint(SQS), moto, {
        "queue.url": url,
        "queue.messageBody": '="  {not json} "',
    })  # fmt: skip

    assert result_of(outcome)["messageId"]
    (message,) = receive_all(moto, url)
    assert message["Body"] == "  {not json} "
    assert "MessageAttributes" not in message


def test_sqs_fifo_carries_group_and_deduplication_ids(moto: Moto) -> None:
    url = client(moto, "sqs").create_queue(
        QueueName="orders.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    values = {
        "queue.url": url,
        "queue.type": "fifo",
        "queue.messageBody": '="first"',  # a FEEL field: text in quotes
        "queue.messageGroupId": "customer-7",
        "queue.messageDeduplicationId": "order-42",
    }
    first = result_of(run_aws(with_endpoint(SQS), moto, values))
    result_of(run_aws(with_endpoint(SQS), moto, {**values, "queue.messageBody": '="dup"'}))

    (message,) = receive_all(moto, url)  # the second send was deduplicated
    assert message["MessageId"] == first["messageId"]
    assert message["Body"] == "first"
    assert message["Attributes"]["MessageGroupId"] == "customer-7"
    assert message["Attributes"]["MessageDeduplicationId"] == "order-42"


def test_sqs_fifo_without_a_group_id_is_an_input_error(moto: Moto) -> None:
    url = client(moto, "sqs").create_queue(
        QueueName="orders.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    tpl = with_endpoint(SQS)
    values = {"queue.url": url, "queue.type": "fifo", "queue.messageBody": '="x"'}
    # the template marks the group id as required: the Modeler refuses to build this job,
    # so it is given as a process would by a variable that turned out empty
    outcome = run_aws(tpl, moto, {**values, "queue.messageGroupId": "=null"})

    assert outcome.kind == "failed" and outcome.retries == 0
    assert "queue.messageGroupId: must not be empty for a FIFO destination" in outcome.message
    assert receive_all(moto, url) == []


def test_sqs_attribute_without_a_data_type_names_the_field(moto: Moto) -> None:
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
    outcome = run_aws(with_endpoint(SQS), moto, {
        "queue.url": url,
        "queue.messageBody": '="x"',
        "queue.messageAttributes": '={"tenant": {"StringValue": "acme"}}',
    })  # fmt: skip

    assert outcome.kind == "failed" and outcome.retries == 0
    assert "queue.messageAttributes.tenant.dataType" in outcome.message


def _subscribed_queue(moto: Moto, topic_arn: str, name: str, **attributes: str) -> str:
    sqs = client(moto, "sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    client(moto, "sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn["QueueArn"])
    return url


def test_sns_publishes_message_subject_and_attributes(moto: Moto) -> None:
    topic = client(moto, "sns").create_topic(Name="news")["TopicArn"]
    url = _subscribed_queue(moto, topic, "news-reader")
    outcome = run_aws(with_endpoint(SNS), moto, {
        "topic.topicArn": topic,
        "topic.type": "standard",
        "topic.subject": "Weekly news",
        "topic.message": "Hello, readers",
        "topic.messageAttributes": ATTRIBUTES,
    })  # fmt: skip

    result = result_of(outcome)
    (delivered,) = receive_all(moto, url)
    envelope = json.loads(delivered["Body"])  # SNS wraps what it delivers to SQS
    assert result == {"messageId": envelope["MessageId"]}
    assert (envelope["Subject"], envelope["Message"]) == ("Weekly news", "Hello, readers")
    assert envelope["TopicArn"] == topic
    assert envelope["MessageAttributes"] == {
        "tenant": {"Type": "String", "Value": "acme"},
        "weight": {"Type": "Number", "Value": "12.5"},
        "kind": {"Type": "String.custom", "Value": "order"},
    }


def test_sns_fifo_topic_carries_group_and_deduplication_ids(moto: Moto) -> None:
    topic = client(moto, "sns").create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})[
        "TopicArn"
    ]
    url = _subscribed_queue(moto, topic, "orders-reader.fifo", FifoQueue="true")
    outcome = run_aws(with_endpoint(SNS), moto, {
        "topic.topicArn": topic,
        "topic.type": "fifo",
        "topic.message": '={"order": 42}',
        "topic.messageGroupId": "customer-7",
        "topic.messageDeduplicationId": "order-42",
    })  # fmt: skip

    assert result_of(outcome)["messageId"]
    (delivered,) = receive_all(moto, url)
    assert json.loads(delivered["Body"])["Message"] == '{"order":42}'
    assert delivered["Attributes"]["MessageGroupId"] == "customer-7"
    assert delivered["Attributes"]["MessageDeduplicationId"] == "order-42"


def _bus_to_queue(moto: Moto, bus: str) -> str:
    sqs, events = client(moto, "sqs"), client(moto, "events")
    url = sqs.create_queue(QueueName="events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    if bus != "default":
        events.create_event_bus(Name=bus)
    events.put_rule(
        Name="orders", EventBusName=bus, EventPattern=json.dumps({"source": ["shop.orders"]})
    )
    events.put_targets(
        Rule="orders", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn["QueueArn"]}]
    )
    return url


def test_eventbridge_puts_the_event_on_the_bus(moto: Moto) -> None:
    url = _bus_to_queue(moto, "shop")
    outcome = run_aws(with_endpoint(EVENTBRIDGE), moto, {
        "input.source": "shop.orders",
        "input.detailType": "OrderPlaced",
        "input.eventBusName": '="shop"',
        "input.detail": '={"order": 42, "total": 9.5}',
    })  # fmt: skip

    result: dict[str, Any] = result_of(outcome)
    (delivered,) = receive_all(moto, url)
    event = json.loads(delivered["Body"])
    assert (event["source"], event["detail-type"]) == ("shop.orders", "OrderPlaced")
    assert event["detail"] == {"order": 42, "total": 9.5}
    assert list(result) == ["sdkResponseMetadata", "sdkHttpMetadata", "failedEntryCount", "entries"]
    assert result["failedEntryCount"] == 0
    assert result["entries"] == [{"eventId": event["id"], "errorCode": None, "errorMessage": None}]
    http = result["sdkHttpMetadata"]
    assert http["httpStatusCode"] == 200
    (name,) = [n for n in http["httpHeaders"] if n.lower() == "x-amzn-requestid"]
    assert result["sdkResponseMetadata"]["requestId"] == http["httpHeaders"][name]
    assert http["allHttpHeaders"][name] == [http["httpHeaders"][name]]
    assert list(http["httpHeaders"]) == sorted(http["httpHeaders"], key=str.lower)


def test_an_aws_credential_object_wins_over_the_inline_fields(moto: Moto) -> None:
    """Camunda's AwsBaseRequest: a bound `awsCredential` gives the authentication and region;
    the inline endpoint is kept. (The hub does not keep named credentials yet: here the
    object is given as a process would, by FEEL.)"""
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
    credential = (
        '={"authentication": {"type": "credentials", "accessKey": "' + moto.access_key
        + '", "secretKey": "' + moto.secret_key + '"}, "region": "' + moto.region + '"}'
    )  # fmt: skip
    tpl = with_endpoint(SQS)
    job = build_job(tpl, values_for(tpl, {
        **aws_values(moto), "queue.url": url, "queue.messageBody": '="via the credential"',
        "configuration.region": "us-east-1",
    }))  # fmt: skip
    variables = {**job.variables, "awsCredential": credential}
    variables["authentication"] = {"type": "credentials", "accessKey": "wrong", "secretKey": "x"}
    outcome = run_job(
        JobRequest(type=str(job.type), variables=variables, headers=job.headers),
        secrets=MappingSecretProvider({}),
        address_policy=LOCAL_ONLY,
    )

    assert result_of(outcome)["messageId"]
    assert [m["Body"] for m in receive_all(moto, url)] == ["via the credential"]
    (exchange,) = outcome.trace.exchanges
    assert exchange["target"] == moto.endpoint
