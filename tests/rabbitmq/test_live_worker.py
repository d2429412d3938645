"""The RabbitMQ connector on the live Zeebe worker: a process whose input mappings are those the
current template writes (the password a hub secret), run on the project's test engine against
the private broker; the consumer reads the message, the result reaches the process, and the
secret's use is audited as a live one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.elementtemplates import build_job
from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.builtin.conftest import template, values_for
from tests.rabbitmq.conftest import (
    LATEST,
    RABBITMQ_FILE,
    RABBITMQ_ID,
    RABBITMQ_TYPE,
    SECRET,
    credentials,
    unique,
)
from tests.services.rabbitmq import RabbitMQ
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401
from tests.zeebe.harness import run_with_live_worker
from tests.zeebe.harness import unique as unique_id
from tests.zeebe.processes import task_process

pytestmark = [pytest.mark.zeebe, pytest.mark.xdist_group("rabbitmq")]


@pytest.mark.django_db(transaction=True)
def test_a_live_job_publishes_and_audits_the_secret(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    broker: RabbitMQ,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret = secret_create(name=SECRET, value=broker.password)
    exchange = unique("live")
    queue = broker.queue_bound(exchange, "invoice.paid", kind="topic")
    values = credentials(
        broker,
        **{
            "authentication.password": f"{{{{secrets.{SECRET}}}}}",
            "routing.exchange": exchange,
            "routing.routingKey": "invoice.paid",
            "message.body": "=invoice",  # a process variable, evaluated by Zeebe
            "message.properties": '={contentType: "application/json", deliveryMode: 2, '
            'headers: {source: "live"}}',
        },
    )
    tpl = template(RABBITMQ_FILE, RABBITMQ_ID, LATEST)
    job = build_job(tpl, values_for(tpl, values))
    assert not job.errors and job.type == RABBITMQ_TYPE
    # the FEEL ones go to Zeebe as written (build_job evaluates them for a dry-run)
    inputs = {
        target: values.get(target, value)
        for group, fields in job.variables.items()
        for target, value in ((f"{group}.{name}", v) for name, v in fields.items())
    }
    process_id = unique_id("rabbitmq")
    bpmn = task_process(process_id, RABBITMQ_TYPE, inputs=inputs, headers=dict(job.headers))
    worker = build_worker(
        {"address": zeebe_address, "job_types": [RABBITMQ_TYPE], "name": unique_id("mq")}
    )

    invoice = {"invoice": {"number": "INV-7", "amount": 120}}
    variables = run_with_live_worker(zeebe_address, worker, bpmn, process_id, tmp_path, invoice)

    assert variables["result"] == {"statusResult": "success"}
    taken = broker.take(queue)
    assert taken is not None
    method, properties, body = taken
    assert body == b'{"number":"INV-7","amount":120}'
    assert method.routing_key == "invoice.paid"
    assert (properties.content_type, properties.delivery_mode) == ("application/json", 2)
    assert properties.headers == {"source": "live"}
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.secret_id == secret.pk and use.job_type == RABBITMQ_TYPE
    assert use.source == SecretAuditEvent.Source.LIVE
    assert broker.password not in repr(variables)
