"""End to end for the AWS connectors whose own test modules stop at the runtime core: the current
template's job, the key pair as hub secrets, run once as a dry-run through the real Celery worker
and once on the live Zeebe worker (the template applied to a process as the hub exports it, on
the project's test engine), both against moto; the test reads back with boto3 what the operation
stored, or checks what it returned where moto keeps nothing (Lambda echoes its event without
Docker, Bedrock answers `{}`, a Textract analysis and a SageMaker inference are answers only).
Neither run may show a key. S3, SQS and the others already have both (docs/aws-connectors.md)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectors.builtin.aws.awslambda import aws_lambda
from connectors.builtin.aws.bedrock import bedrock
from connectors.builtin.aws.comprehend import comprehend
from connectors.builtin.aws.dynamodb import dynamodb
from connectors.builtin.aws.eventbridge import eventbridge
from connectors.builtin.aws.sagemaker import sagemaker
from connectors.builtin.aws.sns import sns
from connectors.builtin.aws.textract import textract
from connectors.export import template_bpmn
from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import Run, SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.aws.conftest import (
    DYNAMODB,
    EVENTBRIDGE,
    LAMBDA,
    SNS,
    aws_values,
    client,
    receive_all,
    secrets_of,
    with_endpoint,
)
from tests.aws.test_bedrock import BEDROCK, MODEL
from tests.aws.test_comprehend import CLASSIFIER, COMPREHEND, JOB
from tests.aws.test_lambda import _echo_function
from tests.aws.test_messaging import _bus_to_queue, _subscribed_queue
from tests.aws.test_sagemaker import SAGEMAKER, imported_version
from tests.aws.test_textract import S3_DOCUMENT, TEXTRACT
from tests.builtin.conftest import values_for
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401
from tests.services.moto import Moto
from tests.services.zeebe import wait_for_gateway
from tests.services.zeebe_engine import ZeebeTestEngine
from tests.zeebe.harness import run_with_live_worker, unique

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("moto")]

ACCOUNT = "123456789012"  # moto's default account
ITEM = {"id": {"S": "o-1"}, "status": {"S": "open"}, "total": {"N": "42"}}


@dataclass(frozen=True)
class Case:
    """One operation of one connector: its template, its values (by binding name, over the
    moto connection), what must exist first, and the check of the result and the server."""

    name: str
    kind: tuple[str, str, int]
    job_type: str
    values: dict[str, Any]
    check: Callable[[Moto, Any], None]
    setup: Callable[[Moto], None] = lambda moto: None
    # what the dry-run's exchange (the run page) says was sent to moto
    sent: str = ""
    modes: frozenset[str] = frozenset({"dry-run", "live"})
    # Lambda without Docker: moto answers with the event (docs/aws-connectors.md)
    echo_lambda: bool = False
    # values that depend on the server (an ARN has its region)
    server_values: Callable[[Moto], dict[str, Any]] = lambda moto: {}

    def values_on(self, moto: Moto) -> dict[str, Any]:
        return aws_values(moto, **self.values, **self.server_values(moto))


def _orders_table(moto: Moto) -> None:
    client(moto, "dynamodb").create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _stored_item(moto: Moto, result: Any) -> None:
    assert result["putItemResult"]["sdkHttpMetadata"]["httpStatusCode"] == 200
    stored = client(moto, "dynamodb").get_item(TableName="orders", Key={"id": {"S": "o-1"}})
    assert stored["Item"] == ITEM


def _an_item(moto: Moto) -> None:
    _orders_table(moto)
    client(moto, "dynamodb").put_item(TableName="orders", Item=ITEM)


def _got_item(moto: Moto, result: Any) -> None:
    # one object per attribute, as Camunda's getItem returns them
    assert sorted(result, key=json.dumps) == [{"id": "o-1"}, {"status": "open"}, {"total": 42}]


def _echoed(moto: Moto, result: Any) -> None:
    assert list(result) == ["statusCode", "executedVersion", "payload"]
    assert result["statusCode"] == 200
    assert result["payload"] == {"order": 42, "items": ["book", "ü"]}  # moto echoes the event


def _model_answer(moto: Moto, result: Any) -> None:
    assert result == {"body": {}}  # what moto answers every InvokeModel with


def _classification_job(moto: Moto, result: Any) -> None:
    assert result["jobStatus"] == "SUBMITTED"
    job = client(moto, "comprehend").describe_document_classification_job(JobId=result["jobId"])
    stored = job["DocumentClassificationJobProperties"]
    assert (stored["JobName"], stored["DocumentClassifierArn"]) == ("march", CLASSIFIER)
    assert stored["InputDataConfig"]["S3Uri"] == "s3://scans/in/"


def _scan(moto: Moto) -> None:
    s3 = client(moto, "s3")
    s3.create_bucket(Bucket="scans", CreateBucketConfiguration={"LocationConstraint": moto.region})
    s3.put_object(Bucket="scans", Key="invoices/42.pdf", Body=b"%PDF-1.7 Rechnung 42")


def _analysis(moto: Moto, result: Any) -> None:
    assert (result["jobStatus"], result["nextToken"], result["blocks"]) == ("SUCCEEDED", None, [])
    assert result["sdkHttpMetadata"]["httpStatusCode"] == 200


def _churn_answer(moto: Moto) -> None:
    moto.sagemaker_answers({"Body": '{"churn": 0.12}', "ContentType": "application/json",
                            "InvokedProductionVariant": "blue"})  # fmt: skip


def _inference(moto: Moto, result: Any) -> None:
    assert result == {"body": {"churn": 0.12}, "contentType": "application/json",
                      "customAttributes": None, "invokedProductionVariant": "blue"}  # fmt: skip


def _topic_arn(moto: Moto) -> str:
    return f"arn:aws:sns:{moto.region}:{ACCOUNT}:news"


def _news_topic(moto: Moto) -> None:
    """A topic with a queue subscribed, where the test reads what was published."""
    topic = client(moto, "sns").create_topic(Name="news")["TopicArn"]
    assert topic == _topic_arn(moto)
    _subscribed_queue(moto, topic, "news-reader")


def _published(moto: Moto, result: Any) -> None:
    url = client(moto, "sqs").get_queue_url(QueueName="news-reader")["QueueUrl"]
    (delivered,) = receive_all(moto, url)
    envelope = json.loads(delivered["Body"])  # SNS wraps what it delivers to SQS
    assert result == {"messageId": envelope["MessageId"]}
    assert (envelope["Subject"], envelope["Message"]) == ("Weekly", "Hello, readers")


def _shop_bus(moto: Moto) -> None:
    _bus_to_queue(moto, "shop")


def _event_delivered(moto: Moto, result: Any) -> None:
    url = client(moto, "sqs").get_queue_url(QueueName="events")["QueueUrl"]
    (delivered,) = receive_all(moto, url)
    event = json.loads(delivered["Body"])
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "shop.orders", "OrderPlaced", {"order": 42})  # fmt: skip
    assert result["failedEntryCount"] == 0 and result["entries"][0]["eventId"] == event["id"]


def _item(operation: str) -> dict[str, Any]:
    return {"input.operationGroup": "itemOperation", "input.itemOperation": operation,
            "input.tableName": "orders"}  # fmt: skip


CASES = [
    Case("dynamodb-addItem", DYNAMODB, dynamodb.type,
         {**_item("addItem"), "input.item": '={"id": "o-1", "status": "open", "total": 42}'},
         _stored_item, setup=_orders_table, sent="DynamoDB PutItem · table orders"),
    Case("dynamodb-getItem", DYNAMODB, dynamodb.type,
         {**_item("getItem"), "input.primaryKeyComponents": '={"id": "o-1"}'},
         _got_item, setup=_an_item, sent="DynamoDB GetItem · table orders"),
    Case("lambda-invoke", LAMBDA, aws_lambda.type,
         {"awsFunction.functionName": "orders",
          "awsFunction.payload": '={"order": 42, "items": ["book", "ü"]}'},
         _echoed, setup=lambda moto: _echo_function(moto, "orders"), echo_lambda=True,
         sent="Lambda Invoke · orders"),
    Case("bedrock-invokeModel", BEDROCK, bedrock.type,
         {"action": "invokeModel", "data.modelId": MODEL,
          "data.payload": '={"inputText": "Grüße"}'},
         _model_answer, sent=f"Bedrock Runtime InvokeModel · {MODEL}"),
    # SQS: tests/aws/test_dry_run.py and tests/aws/test_live_worker.py
    Case("sns-publish", SNS, sns.type,
         {"topic.type": "standard", "topic.subject": "Weekly", "topic.message": "Hello, readers"},
         _published, setup=_news_topic, sent="SNS Publish · to {topic}",
         server_values=lambda moto: {"topic.topicArn": _topic_arn(moto)}),
    Case("eventbridge-putEvents", EVENTBRIDGE, eventbridge.type,
         {"input.source": "shop.orders", "input.detailType": "OrderPlaced",
          "input.eventBusName": '="shop"', "input.detail": '={"order": 42}'},
         _event_delivered, setup=_shop_bus, sent="EventBridge PutEvents · to shop"),
    # the live worker's test is tests/aws/test_comprehend.py
    Case("comprehend-async", COMPREHEND, comprehend.type,
         {**JOB, "input.jobName": "march", "input.documentReadMode": "SERVICE_DEFAULT",
          "input.documentReadAction": "TEXTRACT_DETECT_DOCUMENT_TEXT"},
         _classification_job, modes=frozenset({"dry-run"}),
         sent=f"Comprehend StartDocumentClassificationJob · {CLASSIFIER}"),
    # the dry-runs' tests are in tests/aws/test_textract.py and tests/aws/test_sagemaker.py
    Case("textract-polling", TEXTRACT, textract.type,
         {**S3_DOCUMENT, "input.executionType": "POLLING", "input.analyzeTables": True},
         _analysis, setup=_scan, modes=frozenset({"live"})),
    Case("sagemaker-sync", SAGEMAKER, sagemaker.type,
         {"input.invocationType": "SYNC", "input.endpointName": "churn",
          "input.body": '={"features": [3, 4]}'},
         _inference, setup=_churn_answer, modes=frozenset({"live"})),
]  # fmt: skip


def cases(mode: str) -> list[Any]:
    return [pytest.param(c, id=c.name) for c in CASES if mode in c.modes]


def hub_secrets(moto: Moto, user: Any = None) -> None:
    for name, value in secrets_of(moto).items():
        secret_create(name=name, value=value, allowed_hosts=["127.0.0.1"], user=user)


def during(case: Case, moto: Moto) -> contextlib.AbstractContextManager[None]:
    return moto.lambda_without_docker() if case.echo_lambda else contextlib.nullcontext()


def shows_no_key(moto: Moto, text: str) -> None:
    assert moto.access_key not in text and moto.secret_key not in text


@pytest.mark.celery
@pytest.mark.parametrize("case", cases("dry-run"))
def test_a_dry_run_with_the_keys_as_hub_secrets(
    case: Case,
    egress_worker: Any,  # noqa: F811
    moto: Moto,
    user: Any,
) -> None:
    hub_secrets(moto, user)
    case.setup(moto)

    with during(case, moto):
        run = dry_run(imported_version(case.kind), case.values_on(moto), user)

    assert run.outcome == "completed", run.error_message
    case.check(moto, run.outcome_record.variables["result"])
    sent = case.sent.format(topic=_topic_arn(moto))
    assert [e["summary"] for e in run.outcome_record.exchanges] == [sent]
    shows_no_key(moto, json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str))
    uses = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert {(u.source, u.job_type) for u in uses} == {(SecretAuditEvent.Source.DRY_RUN,
                                                       case.job_type)}  # fmt: skip


@pytest.fixture(scope="module")
def engine_address() -> Iterator[str]:
    """One test engine for the module (each test deploys a process of its own), or the
    gateway ZEEBE_ADDRESS names."""
    address = os.environ.get("ZEEBE_ADDRESS")
    if address:
        wait_for_gateway(address, timeout=30.0)
        yield address
        return
    with ZeebeTestEngine() as engine:
        yield engine.address


@pytest.mark.zeebe
@pytest.mark.parametrize("case", cases("live"))
def test_a_live_job_with_the_keys_as_hub_secrets(
    case: Case,
    engine_address: str,
    tmp_path: Path,
    moto: Moto,
) -> None:
    hub_secrets(moto)
    case.setup(moto)
    tpl = with_endpoint(case.kind)
    process_id = unique(case.name)
    values = values_for(tpl, case.values_on(moto))
    bpmn = template_bpmn(tpl, values, process_id=process_id)
    worker = build_worker(
        {"address": engine_address, "job_types": [case.job_type], "name": process_id}
    )

    with during(case, moto):
        variables = run_with_live_worker(engine_address, worker, bpmn, process_id, tmp_path)

    case.check(moto, variables["result"])
    shows_no_key(moto, repr(variables))
    uses = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert {(u.source, u.job_type) for u in uses} == {(SecretAuditEvent.Source.LIVE,
                                                       case.job_type)}  # fmt: skip
