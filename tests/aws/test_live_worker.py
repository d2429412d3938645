"""The SQS connector on the live Zeebe worker: a process built from the current template's
inputs (the secret key a hub secret, the endpoint moto's), run on the project's test engine;
the message reaches the queue, the result reaches the process and the secret's use is
audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.elementtemplates import build_job
from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.aws.conftest import SQS, client, receive_all, with_endpoint
from tests.builtin.conftest import values_for
from tests.services.moto import Moto
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

pytestmark = [pytest.mark.zeebe, pytest.mark.xdist_group("moto")]
SQS_TYPE = "io.camunda:aws-sqs:1"


@pytest.mark.django_db(transaction=True)
def test_a_live_job_sends_to_a_fifo_queue_and_audits_the_secret(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    moto: Moto,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name="AWS_SECRET", value=moto.secret_key)
    url = client(moto, "sqs").create_queue(
        QueueName="orders.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    tpl = with_endpoint(SQS)
    job = build_job(tpl, values_for(tpl, {
        "authentication.type": "credentials",
        "authentication.accessKey": moto.access_key,
        "authentication.secretKey": "{{secrets.AWS_SECRET}}",
        "configuration.region": moto.region,
        "configuration.endpoint": moto.endpoint,
        "queue.url": url,
        "queue.type": "fifo",
        "queue.messageBody": '="set from the process below"',
        "queue.messageGroupId": "set below",
        "queue.messageDeduplicationId": "order-42",
    }))  # fmt: skip
    assert not job.errors and job.type == SQS_TYPE
    inputs = {
        f"{group}.{name}": value
        for group, fields in job.variables.items()
        for name, value in fields.items()
        if value is not None
    }
    # the engine evaluates these input mappings with the process's variables
    inputs.update({"queue.messageBody": "=order", "queue.messageGroupId": "=customer"})
    process_id = unique("sqs")
    bpmn = task_process(process_id, SQS_TYPE, inputs=inputs, headers={"resultVariable": "sent"})
    worker = build_worker(
        {"address": zeebe_address, "job_types": [SQS_TYPE], "name": unique("sqs")}
    )

    start = {"order": {"id": 42, "total": 9.5}, "customer": "customer-7"}
    variables = run_with_live_worker(zeebe_address, worker, bpmn, process_id, tmp_path, start)

    (message,) = receive_all(moto, url)
    assert variables["sent"] == {"messageId": message["MessageId"]}
    assert message["Body"] == '{"id":42,"total":9.5}'
    assert message["Attributes"]["MessageGroupId"] == "customer-7"
    assert message["Attributes"]["MessageDeduplicationId"] == "order-42"
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == SQS_TYPE
    assert moto.secret_key not in repr(variables)
