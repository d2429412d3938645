"""End to end through the product: Camunda's current SQS template imported (its Hidden endpoint
made a field, as a user pointing it at another endpoint does), the key pair as hub secrets, a
dry-run through the real Celery worker against moto, and what the run stores and shows (never
the keys)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource, Run, SecretAuditEvent, TemplateVersion
from connectors.secrets.services import secret_create
from tests.aws.conftest import (
    ACCESS_SECRET,
    SECRET_SECRET,
    SQS,
    aws_values,
    client,
    receive_all,
)
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401
from tests.elementtemplates.corpus import corpus_template
from tests.services.moto import Moto

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("moto"),
]


@pytest.fixture
def sqs_version(db: None) -> Any:
    raw = corpus_template(SQS[1], SQS[2])
    for prop in raw["properties"]:
        if prop.get("binding", {}).get("name") == "configuration.endpoint":
            prop["type"] = "String"
    report = import_documents(
        [("aws-sqs.json", json.dumps(raw).encode())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=SQS[1], version=SQS[2])


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def test_a_dry_run_sends_with_the_keys_as_hub_secrets(
    egress_worker: Any,  # noqa: F811
    sqs_version: Any,
    moto: Moto,
    user: Any,
    client: Client,
) -> None:
    secret_create(name=ACCESS_SECRET, value=moto.access_key, allowed_hosts=["127.0.0.1"], user=user)
    secret_create(name=SECRET_SECRET, value=moto.secret_key, allowed_hosts=["127.0.0.1"], user=user)
    url = _client(moto).create_queue(QueueName="orders")["QueueUrl"]
    values = aws_values(moto, **{
        "queue.url": url,
        "queue.type": "standard",
        "queue.messageBody": '={"order": 42}',
        "queue.messageAttributes": '={"tenant": {"DataType": "String", "StringValue": "acme"}}',
    })  # fmt: skip
    run = dry_run(sqs_version, values, user)

    assert run.outcome == "completed", run.error_message
    (message,) = receive_all(moto, url)
    assert run.outcome_record.variables["result"] == {"messageId": message["MessageId"]}
    assert message["Body"] == '{"order":42}'
    assert message["MessageAttributes"]["tenant"]["StringValue"] == "acme"
    assert moto.secret_key not in stored(run) and moto.access_key not in stored(run)
    uses = SecretAuditEvent.objects.filter(action="use", run_id=str(run.pk))
    assert {use.source for use in uses} == {SecretAuditEvent.Source.DRY_RUN}

    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert f"AWS {moto.endpoint} · SQS SendMessage · to {url} → 200" in page
    assert moto.secret_key not in page and moto.access_key not in page


def test_a_missing_queue_fails_with_camundas_error_and_hides_the_keys(
    egress_worker: Any,  # noqa: F811
    sqs_version: Any,
    moto: Moto,
    user: Any,
) -> None:
    secret_create(name=ACCESS_SECRET, value=moto.access_key, allowed_hosts=["127.0.0.1"], user=user)
    secret_create(name=SECRET_SECRET, value=moto.secret_key, allowed_hosts=["127.0.0.1"], user=user)
    values = aws_values(moto, **{
        "queue.url": f"{moto.endpoint}/123456789012/nowhere",
        "queue.messageBody": '="hello"',
    })  # fmt: skip
    run = dry_run(sqs_version, values, user)

    assert run.outcome == "failed"
    assert run.error_message.startswith("The specified queue does not exist. (Service: Sqs")
    error_type = run.outcome_record.trace.error["type"]
    assert error_type == "software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException"
    assert moto.secret_key not in stored(run) and moto.access_key not in stored(run)


def _client(moto: Moto) -> Any:
    return client(moto, "sqs")
