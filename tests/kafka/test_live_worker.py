"""The Kafka connector on the live Zeebe worker: a process built from the current template's
inputs (the SASL password a hub secret), run on the project's test engine against the real
broker; the result reaches the process, a consumer reads the record back, and the secret's use
is audited as a live one."""

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
from tests.kafka.conftest import KAFKA_FILE, KAFKA_ID, KAFKA_TYPE, LATEST, SECRET, read_back
from tests.kafka.test_dry_run import sasl_values
from tests.services.kafka import Kafka
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

pytestmark = [pytest.mark.zeebe, pytest.mark.xdist_group("kafka")]


@pytest.mark.django_db(transaction=True)
def test_a_live_job_produces_the_record_and_audits_the_secret(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    kafka_server: Kafka,
    topic: str,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret_create(name=SECRET, value=kafka_server.password)
    tpl = template(KAFKA_FILE, KAFKA_ID, LATEST)
    job = build_job(tpl, values_for(tpl, sasl_values(kafka_server, topic)))
    assert not job.errors and job.type == KAFKA_TYPE
    # the form's values as zeebe:input sources, as the Modeler writes them
    inputs = {
        "topic.bootstrapServers": kafka_server.sasl_bootstrap,
        "topic.topicName": topic,
        "authentication.username": kafka_server.user,
        "authentication.password": f"{{{{secrets.{SECRET}}}}}",
        "additionalProperties": '={"security.protocol": "SASL_PLAINTEXT"}',
        "schemaStrategy.type": "noSchema",
        "message.key": "order-42",
        "message.value": '={"id": 42, "state": "shipped"}',
        "headers": '={"source": "hub", "trace": "t-1"}',
    }
    assert {k.split(".")[0] for k in inputs} <= set(job.variables)
    process_id = unique("kafka")
    bpmn = task_process(process_id, KAFKA_TYPE, inputs=inputs, headers={"resultVariable": "sent"})
    worker = build_worker(
        {"address": zeebe_address, "job_types": [KAFKA_TYPE], "name": unique("kafka")}
    )

    variables = run_with_live_worker(zeebe_address, worker, bpmn, process_id, tmp_path)

    sent = variables["sent"]
    assert set(sent) == {"topic", "timestamp", "offset", "partition"} and sent["topic"] == topic
    got = read_back(kafka_server, topic, sent["offset"])
    assert got.key == b"order-42"
    assert got.value == b'{"id":42,"state":"shipped"}'  # a FEEL context goes as compact JSON
    assert got.headers == [("source", b"hub"), ("trace", b"t-1")]
    assert got.timestamp == sent["timestamp"]
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == KAFKA_TYPE
    assert kafka_server.password not in repr(variables)
