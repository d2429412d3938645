"""Every version of Camunda's official SQS, SNS and EventBridge templates builds a job whose
variables our connectors bind to the values the form was given (the corpus test); the newer
versions' `awsCredential` property is optional and left empty here (docs/aws-connectors.md)."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input

from connectors.builtin.aws.awslambda import aws_lambda
from connectors.builtin.aws.bedrock import bedrock
from connectors.builtin.aws.comprehend import comprehend
from connectors.builtin.aws.dynamodb import dynamodb
from connectors.builtin.aws.eventbridge import EventBridgeInput, eventbridge
from connectors.builtin.aws.s3 import s3
from connectors.builtin.aws.sagemaker import sagemaker
from connectors.builtin.aws.sns import SnsInput, sns
from connectors.builtin.aws.sqs import SqsInput, sqs
from connectors.builtin.aws.textract import textract
from connectors.catalogue.importing import import_documents
from connectors.catalogue.selectors import CatalogueFilters, search_entries
from connectors.elementtemplates import ElementTemplate, build_job, validate_template
from connectors.models import ImportSource
from tests.aws.conftest import DYNAMODB, EVENTBRIDGE, LAMBDA, SNS, SQS, all_versions
from tests.aws.test_bedrock import BEDROCK  # the AI connectors' versions bind in their files
from tests.aws.test_comprehend import COMPREHEND
from tests.aws.test_s3 import S3  # S3's versions run in test_s3.py
from tests.aws.test_sagemaker import SAGEMAKER
from tests.aws.test_textract import TEXTRACT
from tests.builtin.conftest import values_for
from tests.elementtemplates.corpus import CORPUS_DIR

pytestmark = pytest.mark.xdist_group("moto")  # no server, but the area's tests stay together

AUTH = {
    "authentication.type": "credentials",
    "authentication.accessKey": "AKIAEXAMPLE",
    "authentication.secretKey": "secret-example",
    "configuration.region": "eu-central-1",
    # templates v1-v4 had their own region field
    "queue.region": "eu-central-1",
    "topic.region": "eu-central-1",
}


def _cases(kind: tuple[str, str, int], variants: list[str]) -> list[tuple[ElementTemplate, str]]:
    return [(t, v) for t in all_versions(kind) if t.id == kind[1] for v in variants]


def _bound(connector: Any, tpl: ElementTemplate, values: dict[str, Any]) -> Any:
    job = build_job(tpl, values_for(tpl, {**AUTH, **values}))
    assert not job.errors, job.errors
    assert job.type == connector.type
    bound = bind_input(connector, job.variables)
    assert bound.authentication.accessKey == "AKIAEXAMPLE"
    assert bound.authentication.secretKey == "secret-example"
    region = bound.configuration.region if bound.configuration else None
    assert "eu-central-1" in (region, getattr(getattr(bound, "queue", None), "region", None),
                              getattr(getattr(bound, "topic", None), "region", None))  # fmt: skip
    return bound


SQS_CASES = _cases(SQS, ["standard", "fifo"])


@pytest.mark.parametrize(
    ("tpl", "kind"), SQS_CASES, ids=[f"v{t.version}-{k}" for t, k in SQS_CASES]
)
def test_every_sqs_version_builds_a_job_the_connector_binds(
    tpl: ElementTemplate, kind: str
) -> None:
    bound = _bound(sqs, tpl, {
        "queue.url": "https://sqs.eu-central-1.amazonaws.com/1/orders",
        "queue.type": kind,
        "queue.messageBody": '={"order": 42}',
        "queue.messageAttributes": '={"tenant": {"DataType": "String", "StringValue": "acme"}}',
        "queue.messageGroupId": "g1",
        "queue.messageDeduplicationId": "d1",
    })  # fmt: skip
    assert isinstance(bound, SqsInput)
    assert bound.queue.url.endswith("/orders") and bound.queue.type == kind
    assert bound.queue.messageBody == {"order": 42}
    assert bound.queue.messageAttributes["tenant"].stringValue == "acme"
    if kind == "fifo":
        assert (bound.queue.messageGroupId, bound.queue.messageDeduplicationId) == ("g1", "d1")
    else:  # the template shows the FIFO fields only for FIFO queues
        assert bound.queue.messageGroupId is None


SNS_CASES = _cases(SNS, ["standard", "fifo"])


@pytest.mark.parametrize(
    ("tpl", "kind"), SNS_CASES, ids=[f"v{t.version}-{k}" for t, k in SNS_CASES]
)
def test_every_sns_version_builds_a_job_the_connector_binds(
    tpl: ElementTemplate, kind: str
) -> None:
    bound = _bound(sns, tpl, {
        "topic.topicArn": "arn:aws:sns:eu-central-1:1:news",
        "topic.type": kind,
        "topic.subject": "Hello",
        "topic.message": "Hi there",
        "topic.messageAttributes": '={"lang": {"dataType": "String", "stringValue": "en"}}',
        "topic.messageGroupId": "g1",
    })  # fmt: skip
    assert isinstance(bound, SnsInput)
    assert bound.topic.topicArn.endswith(":news") and bound.topic.subject == "Hello"
    assert bound.topic.message == "Hi there"
    assert bound.topic.messageAttributes["lang"].dataType == "String"
    has_types = any(p.binding.name == "topic.type" for p in tpl.properties)
    if kind == "fifo" and has_types:
        assert bound.topic.type == "fifo" and bound.topic.messageGroupId == "g1"


EB_CASES = _cases(EVENTBRIDGE, ["event"])


@pytest.mark.parametrize(("tpl", "kind"), EB_CASES, ids=[f"v{t.version}" for t, _ in EB_CASES])
def test_every_eventbridge_version_builds_a_job_the_connector_binds(
    tpl: ElementTemplate, kind: str
) -> None:
    bound = _bound(eventbridge, tpl, {
        "input.source": "shop.orders",
        "input.detailType": "OrderPlaced",
        "input.eventBusName": "=\"default\"",  # a FEEL field: text in quotes
        "input.detail": '={"order": 42}',
    })  # fmt: skip
    assert isinstance(bound, EventBridgeInput)
    assert (bound.input.source, bound.input.detailType) == ("shop.orders", "OrderPlaced")
    assert bound.input.eventBusName == "default" and bound.input.detail == {"order": 42}


@pytest.mark.django_db
def test_the_catalogue_marks_the_official_templates_as_running_here() -> None:
    kinds = [SQS, SNS, EVENTBRIDGE, LAMBDA, DYNAMODB, S3, COMPREHEND, TEXTRACT, SAGEMAKER, BEDROCK]
    report = import_documents(
        [(kind[0], (CORPUS_DIR / kind[0]).read_bytes()) for kind in kinds],
        source=ImportSource.COMMAND,
    )
    assert not report.failed
    runs_here = {e.template_id for e in search_entries(CatalogueFilters(runs_here=True))}
    assert {kind[1] for kind in kinds} <= runs_here


@pytest.mark.parametrize(
    "connector",
    [sqs, sns, eventbridge, aws_lambda, dynamodb, s3, comprehend, textract, sagemaker, bedrock],
    ids=lambda c: c.type,
)
def test_the_generated_templates_are_valid(connector: Any) -> None:
    generated = connector.element_template()
    assert validate_template(generated) == []
    assert generated["properties"][0]["value"] == connector.type
