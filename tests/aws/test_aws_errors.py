"""Throttling and access denied across the AWS family, as Camunda's connectors report them.

Throttling: Camunda's AWS connectors leave it to the AWS SDK, which retries a throttled call
(the Java SDK's legacy mode: 4 attempts in all, DynamoDB 9, with backoff) and then throws the
service's exception; the job fails with retries - 1 and Zeebe retries it after the template's
`retryBackoff`. moto never throttles, so a stand-in endpoint on 127.0.0.1 answers every request
as a throttled service does (`tests/services/moto.py`). Access denied: moto's IAM checks
(docs/aws-connectors.md)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest

from connectors.runtime import Outcome
from tests.aws.conftest import DYNAMODB, client, run_aws, with_endpoint
from tests.aws.test_comprehend import COMPREHEND, JOB
from tests.aws.test_errors import failed, shown
from tests.aws.test_s3 import download_values
from tests.aws.test_s3 import run as run_s3
from tests.aws.test_sagemaker import SAGEMAKER
from tests.aws.test_textract import S3_DOCUMENT, stand_in, stand_in_session  # noqa: F401
from tests.aws.test_textract import run as run_textract
from tests.services.moto import Moto, StandIn

pytestmark = pytest.mark.xdist_group("moto")

ATTEMPTS = 4  # the Java SDK v2's legacy retry mode, which Camunda's clients keep
DYNAMODB_ATTEMPTS = 9


@pytest.fixture
def throttler(stand_in: StandIn) -> StandIn:  # noqa: F811
    return stand_in


def test_s3_slow_down_is_retried_then_fails_the_job(moto: Moto, throttler: StandIn) -> None:
    values = {**download_values("a.txt", "TEXT"), "configuration.endpoint": throttler.endpoint}
    outcome = run_s3(moto, values)

    error = failed(outcome, "software.amazon.awssdk.services.s3.model.S3Exception")
    assert error["message"] == (
        "Please reduce your request rate. (Service: S3, Status Code: 503, Request ID: stand-in)"
    )
    assert throttler.seen == ["GET /orders/a.txt"] * ATTEMPTS
    assert moto.secret_key not in shown(outcome)


def test_a_throttled_ai_call_is_retried_then_fails_the_job(moto: Moto, throttler: StandIn) -> None:
    outcome = run_textract(moto, {
        **S3_DOCUMENT, "input.executionType": "POLLING", "input.analyzeTables": True,
        "configuration.endpoint": throttler.endpoint,
    })  # fmt: skip

    # Textract's model names the error, so both SDKs have a class for it
    error = failed(outcome, "software.amazon.awssdk.services.textract.model.ThrottlingException")
    assert error["message"] == (
        "Rate exceeded (Service: Textract, Status Code: 400, Request ID: stand-in)"
    )
    assert throttler.seen == ["Textract.StartDocumentAnalysis"] * ATTEMPTS
    assert len(outcome.trace.exchanges) == 1  # one call, its retries inside it
    assert moto.secret_key not in shown(outcome)


def test_dynamodb_throughput_exceeded(moto: Moto, throttler: StandIn) -> None:
    throttler.code = "ProvisionedThroughputExceededException"
    outcome = run_aws(with_endpoint(DYNAMODB), moto, {
        "input.operationGroup": "itemOperation", "input.itemOperation": "getItem",
        "input.tableName": "orders", "input.primaryKeyComponents": '={"id": "o-1"}',
        "configuration.endpoint": throttler.endpoint,
    })  # fmt: skip

    failed(
        outcome,
        "software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException",
    )
    assert throttler.seen == ["DynamoDB_20120810.GetItem"] * DYNAMODB_ATTEMPTS


@contextlib.contextmanager
def clerk(moto: Moto) -> Iterator[dict[str, str]]:
    """moto checking signatures and IAM policies, with one user who may only list queues; the
    keys as hub secrets."""
    allow = [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}]
    policy = {"Version": "2012-10-17", "Statement": allow}
    with moto.enforce_iam(unchecked_calls=3):
        iam = client(moto, "iam")
        iam.create_user(UserName="clerk")
        key = iam.create_access_key(UserName="clerk")["AccessKey"]
        iam.put_user_policy(UserName="clerk", PolicyName="p", PolicyDocument=json.dumps(policy))
        yield {"AWS_ACCESS_KEY": key["AccessKeyId"], "AWS_SECRET_KEY": key["SecretAccessKey"]}


def test_access_denied_to_an_ai_service(moto: Moto) -> None:
    with clerk(moto) as keys:
        outcome = run_aws(with_endpoint(COMPREHEND), moto, JOB, secrets=keys)

    error = failed(outcome, "software.amazon.awssdk.services.comprehend.model.ComprehendException")
    assert error["message"].startswith(
        "User: arn:aws:iam::123456789012:user/clerk is not authorized to perform: "
        "comprehend:StartDocumentClassificationJob (Service: Comprehend, Status Code: 403, "
    )
    assert keys["AWS_SECRET_KEY"] not in shown(outcome)
    assert (
        client(moto, "comprehend").list_document_classification_jobs()[
            "DocumentClassificationJobPropertiesList"
        ]
        == []
    )


def test_sagemaker_wraps_access_denied_and_wrong_keys(moto: Moto) -> None:
    """Camunda's SageMaker callers wrap every failure in a ConnectorException."""
    values = {"input.invocationType": "SYNC", "input.endpointName": "churn", "input.body": "={}"}
    with clerk(moto) as keys:
        denied = run_aws(with_endpoint(SAGEMAKER), moto, values, secrets=keys)
        wrong = {"AWS_ACCESS_KEY": "AKIAWRONGWRONGWRONG1", "AWS_SECRET_KEY": "Wrong-Secret-1"}
        refused = run_aws(with_endpoint(SAGEMAKER), moto, values, secrets=wrong)

    model = "software.amazon.awssdk.services.sagemakerruntime.model"
    error = failed(denied, "io.camunda.connector.api.error.ConnectorException")
    assert error["message"].startswith(
        f"{model}.SageMakerRuntimeException: User: arn:aws:iam::123456789012:user/clerk is not "
        "authorized to perform: sagemaker:InvokeEndpoint (Service: SageMakerRuntime, Status "
        "Code: 403, "
    )
    error = failed(refused, "io.camunda.connector.api.error.ConnectorException")
    assert error["message"].startswith(
        f"{model}.SageMakerRuntimeException: The security token included in the request is "
        "invalid. (Service: SageMakerRuntime, Status Code: 403"
    )
    outcomes: list[Outcome] = [denied, refused]
    for outcome in outcomes:
        assert keys["AWS_SECRET_KEY"] not in shown(outcome)
        assert "Wrong-Secret-1" not in shown(outcome)
