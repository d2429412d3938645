"""End to end: Camunda's SQS template (8.10) with a named AWS credential chosen in its
`Configuration` field, dry-run through the real Celery worker against moto. The credential is
resolved inside the worker only: the run stores the reference, never a key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.credentials.services import credential_delete
from connectors.models import Run, SecretAuditEvent
from tests.aws.conftest import client, receive_all
from tests.builtin.test_dry_run import egress_worker  # noqa: F401
from tests.credentials.conftest import aws_credential, moto_credential, sqs_values
from tests.runs.conftest import wait_done
from tests.services.moto import Moto

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("moto"),
]


def dry_run(version: Any, values: dict[str, Any], user: Any) -> Run:
    from connectors.runs.services import run_start

    run = run_start(version=version, values=values, variables={}, user=user)
    return wait_done(run.pk, timeout=30)


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def test_a_dry_run_sends_with_a_named_credential(
    egress_worker: Any,  # noqa: F811
    sqs_version: Any,
    moto: Moto,
    user: Any,
) -> None:
    moto_credential(user, moto)
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]

    run = dry_run(sqs_version, sqs_values(moto, url), user)

    assert run.outcome == "completed", run.error_message
    (message,) = receive_all(moto, url)
    assert run.outcome_record.variables["result"] == {"messageId": message["MessageId"]}
    assert message["Body"] == '{"order":42}'
    # the job names the credential; its keys are nowhere in what the run keeps
    assert run.job["variables"]["awsCredential"] == "{{credentials.moto_aws}}"
    assert moto.secret_key not in stored(run) and moto.access_key not in stored(run)
    use = SecretAuditEvent.objects.get(action="use", run_id=str(run.pk))
    assert use.secret_name == "credential:moto_aws" and use.actor == user
    assert "authentication.secretKey" in use.detail


def test_a_wrong_secret_in_the_credential_fails_with_aws_error_and_no_secret(
    egress_worker: Any,  # noqa: F811
    sqs_version: Any,
    moto: Moto,
    user: Any,
) -> None:
    allow = [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]
    with moto.enforce_iam(unchecked_calls=4):
        iam = client(moto, "iam")
        iam.create_user(UserName="clerk")
        key = iam.create_access_key(UserName="clerk")["AccessKey"]
        iam.put_user_policy(
            UserName="clerk",
            PolicyName="p",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": allow}),
        )
        url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
        wrong = "Wrong-Secret-Key-in-a-credential-1"
        aws_credential(user, access_key=key["AccessKeyId"], secret_key=wrong, region=moto.region)
        run = dry_run(sqs_version, sqs_values(moto, url), user)

    assert run.outcome == "failed"
    error = run.outcome_record.trace.error
    assert error["type"] == "software.amazon.awssdk.services.sqs.model.SqsException"
    assert "Status Code: 403" in run.error_message
    assert wrong not in stored(run) and wrong[:12] not in stored(run)


def test_a_credential_deleted_since_the_configuration_was_saved_is_named(
    egress_worker: Any,  # noqa: F811
    sqs_version: Any,
    moto: Moto,
    user: Any,
) -> None:
    credential_delete(credential=moto_credential(user, moto), user=user)

    run = dry_run(sqs_version, sqs_values(moto, "http://127.0.0.1:1/q"), user)

    assert run.outcome == "failed"
    assert "Credential 'moto_aws' does not exist in the hub" in run.error_message
    assert "it was deleted after the configuration chose it" in run.error_message
