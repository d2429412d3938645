"""Failures as Camunda's AWS connectors report them (the AWS SDK for Java v2's exception class as
`error.type`, its message, no `error.code`, retries - 1), the egress policy and the default
credentials chain's rule; never a key in any output."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.elementtemplates import build_job
from connectors.network.policy import EgressPolicy
from connectors.runtime import JobRequest, Outcome, run_job
from connectors.secrets.providers import MappingSecretProvider
from tests.aws.conftest import (
    EVENTBRIDGE,
    SECRET_SECRET,
    SNS,
    SQS,
    aws_values,
    client,
    receive_all,
    run_aws,
    secrets_of,
    with_endpoint,
)
from tests.builtin.conftest import LOCAL_ONLY, values_for
from tests.services.moto import Moto

pytestmark = pytest.mark.xdist_group("moto")

SQS_MODEL = "software.amazon.awssdk.services.sqs.model"


def shown(outcome: Outcome) -> str:
    """Everything a run keeps and shows."""
    return repr(outcome) + json.dumps(outcome.trace.__dict__, default=str)


def failed(outcome: Outcome, java_type: str, retries: int = 2) -> dict[str, Any]:
    assert outcome.kind == "failed", outcome
    assert outcome.retries == retries
    error: dict[str, Any] = outcome.trace.error or {}
    assert error["type"] == java_type
    assert "code" not in error  # the SDK's exceptions carry none in Camunda's runtime
    return error


def send(moto: Moto, url: str, **kwargs: Any) -> Outcome:
    values = {"queue.url": url, "queue.messageBody": '="hello"'}
    return run_aws(with_endpoint(SQS), moto, values, **kwargs)


def test_a_missing_queue(moto: Moto) -> None:
    outcome = send(moto, f"{moto.endpoint}/123456789012/nowhere")

    error = failed(outcome, f"{SQS_MODEL}.QueueDoesNotExistException")
    assert error["message"].startswith(
        "The specified queue does not exist. (Service: Sqs, Status Code: 400, Request ID: "
    )
    (exchange,) = outcome.trace.exchanges
    assert exchange["protocol"] == "aws" and exchange["target"] == moto.endpoint
    assert exchange["summary"].startswith("SQS SendMessage · to ")
    assert exchange["status"] == 400 and exchange["error"] == error["message"]


def test_a_missing_topic_and_a_missing_event_bus(moto: Moto) -> None:
    topic = "arn:aws:sns:eu-central-1:123456789012:nowhere"
    outcome = run_aws(with_endpoint(SNS), moto, {"topic.topicArn": topic, "topic.message": "x"})
    error = failed(outcome, "software.amazon.awssdk.services.sns.model.NotFoundException")
    assert "(Service: Sns, Status Code: 404, Request ID: " in error["message"]

    outcome = run_aws(with_endpoint(EVENTBRIDGE), moto, {
        "input.source": "shop", "input.detailType": "t", "input.eventBusName": '="nowhere"',
        "input.detail": "={}",
    })  # fmt: skip
    error = failed(
        outcome, "software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException"
    )
    assert error["message"].startswith("Event bus nowhere does not exist. (Service: EventBridge")


@contextlib.contextmanager
def iam_user(moto: Moto) -> Iterator[dict[str, str]]:
    """moto checking signatures and IAM policies, with one user who may only list queues, and a
    queue (created before the checks start)."""
    allow = [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}]
    policy = {"Version": "2012-10-17", "Statement": allow}
    with moto.enforce_iam(unchecked_calls=4):
        iam = client(moto, "iam")
        iam.create_user(UserName="clerk")
        key = iam.create_access_key(UserName="clerk")["AccessKey"]
        iam.put_user_policy(UserName="clerk", PolicyName="p", PolicyDocument=json.dumps(policy))
        url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
        yield {"url": url, "access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}


def test_wrong_credentials(moto: Moto) -> None:
    wrong = {"AWS_ACCESS_KEY": "AKIAWRONGWRONGWRONG1", "AWS_SECRET_KEY": "Wrong-Secret-Key-1"}
    with iam_user(moto) as user:
        outcome = send(moto, user["url"], secrets=wrong)

    error = failed(outcome, f"{SQS_MODEL}.SqsException")
    assert error["message"].startswith(
        "The security token included in the request is invalid. (Service: Sqs, Status Code: 403"
    )
    assert "Wrong-Secret-Key-1" not in shown(outcome)
    assert "AKIAWRONGWRONGWRONG1" not in shown(outcome)


def test_access_denied(moto: Moto) -> None:
    with iam_user(moto) as user:
        keys = {"AWS_ACCESS_KEY": user["access_key"], "AWS_SECRET_KEY": user["secret_key"]}
        outcome = send(moto, user["url"], secrets=keys)

    error = failed(outcome, f"{SQS_MODEL}.SqsException")
    assert "is not authorized to perform: sqs:SendMessage" in error["message"]
    assert "Status Code: 403" in error["message"]
    assert user["secret_key"] not in shown(outcome)
    assert receive_all(moto, user["url"]) == []


def test_an_unreachable_endpoint(moto: Moto) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    nowhere = f"http://127.0.0.1:{port}"
    values = {"configuration.endpoint": nowhere, "queue.url": f"{nowhere}/1/q",
              "queue.messageBody": '="x"'}  # fmt: skip
    outcome = run_aws(with_endpoint(SQS), moto, values)

    error = failed(outcome, "software.amazon.awssdk.core.exception.SdkClientException")
    assert error["message"] == (
        f"Unable to execute HTTP request: Connect to 127.0.0.1:{port} failed: Connection refused"
    )


def test_the_egress_policy_refuses_a_loopback_endpoint(moto: Moto) -> None:
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
    outcome = send(moto, url, policy=EgressPolicy())

    assert outcome.kind == "failed" and outcome.retries == 0
    assert "The egress policy refused 127.0.0.1" in outcome.message
    assert receive_all(moto, url) == []


def test_a_key_is_only_sent_to_its_allowed_hosts(moto: Moto) -> None:
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
    tpl = with_endpoint(SQS)
    job = build_job(tpl, values_for(tpl, {**aws_values(moto), "queue.url": url,
                                          "queue.messageBody": '="x"'}))  # fmt: skip
    outcome = run_job(
        JobRequest(type=str(job.type), variables=job.variables, headers=job.headers),
        secrets=MappingSecretProvider(secrets_of(moto)),
        allowed_hosts=lambda name: ["*.amazonaws.com"] if name == SECRET_SECRET else None,
        address_policy=LOCAL_ONLY,
    )

    assert outcome.kind == "failed" and outcome.retries == 0
    assert f"Secret '{SECRET_SECRET}' may not be sent to 127.0.0.1" in outcome.message
    assert moto.secret_key not in shown(outcome)
    assert receive_all(moto, url) == []


def test_a_missing_region_and_blank_keys_name_the_field(moto: Moto) -> None:
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
    values = {"queue.url": url, "queue.messageBody": '="x"', "configuration.region": "= null"}
    outcome = run_aws(with_endpoint(SQS), moto, values)
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith("configuration.region: must not be empty")

    values = {**values, "configuration.region": moto.region, "authentication.accessKey": '=" "'}
    outcome = run_aws(with_endpoint(SQS), moto, values)
    assert outcome.kind == "failed" and outcome.retries == 0
    assert outcome.message.startswith("authentication.accessKey: must not be blank")


def test_the_default_chain_is_refused_under_the_egress_policy(
    moto: Moto, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto.secret_key)
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
    values = {"authentication.type": "defaultCredentialsChain", "queue.url": url,
              "queue.messageBody": '="from the hub"'}  # fmt: skip

    refused = run_aws(with_endpoint(SQS), moto, values)  # the dry-runs' policy
    assert refused.kind == "failed" and refused.retries == 0
    assert refused.message.startswith(
        "authentication.type: the default credentials chain would use the hub's own AWS identity"
    )
    assert receive_all(moto, url) == []

    staff_allowed = EgressPolicy.from_allowlist(["127.0.0.1", "169.254.169.254"])
    assert run_aws(with_endpoint(SQS), moto, values, policy=staff_allowed).kind == "completed"
    assert run_aws(with_endpoint(SQS), moto, values, policy=None).kind == "completed"
    assert [m["Body"] for m in receive_all(moto, url)] == ["from the hub"] * 2


def test_a_message_too_large(moto: Moto) -> None:
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
    kilobyte = "x" * 1024
    too_large = f'=string join(for i in 1..1025 return "{kilobyte}")'  # 1 MiB + 1 KiB
    outcome = run_aws(with_endpoint(SQS), moto, {"queue.url": url, "queue.messageBody": too_large})

    error = failed(outcome, f"{SQS_MODEL}.SqsException")
    assert error["message"].startswith(
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes. "
        "(Service: Sqs, Status Code: 400, Request ID: "
    )
    assert receive_all(moto, url) == []
