"""Camunda's Kafka template (v7) with a named `io.camunda.connectors:kafka-connection:1`
credential, dry-run through the real Celery worker against the session's Kafka: the credential's
bootstrap servers and SASL login replace the hidden inline fields (the topic stays the task's,
as Camunda's KafkaConnectorRequest#topic), the task's additional properties still override what
the credential sets (here SASL_SSL -> the test broker's SASL_PLAINTEXT listener), and a wrong
password in the credential gives the connector's usual SASL error without it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.catalogue.importing import import_documents
from connectors.credentials.services import credential_save
from connectors.models import ImportSource, Run, TemplateVersion
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.kafka.conftest import (  # noqa: F401  (a topic per test)
    KAFKA_FILE,
    KAFKA_ID,
    admin,
    read_back,
    topic,
)
from tests.services.kafka import Kafka

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("kafka"),
]


@pytest.fixture
def kafka_v7(db: None) -> Any:
    report = import_documents(
        [(KAFKA_FILE, (CORPUS_DIR / KAFKA_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=KAFKA_ID, version=7)


def connection(version: Any, user: Any, server: Kafka, password: str) -> None:
    credential_save(
        definition=version.content["configurationTemplates"][0],
        name="events_kafka",
        values={
            "bootstrapServers": server.sasl_bootstrap,
            "username": server.user,
            "password": password,
        },
        user=user,
    )


def produce(topic: str) -> dict[str, Any]:  # noqa: F811
    return {
        "kafkaConnectionConfiguration": "=camunda.vars.env.events_kafka",
        "topic.topicName": topic,
        "message.key": "order-7",
        "message.value": '{"id": 7}',
        "additionalProperties": '={"security.protocol": "SASL_PLAINTEXT"}',
        "resultVariable": "result",
    }


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def test_a_dry_run_produces_through_the_named_connection(
    egress_worker: Any,  # noqa: F811
    kafka_v7: Any,
    kafka_server: Kafka,
    topic: str,  # noqa: F811
    user: Any,
) -> None:
    connection(kafka_v7, user, kafka_server, kafka_server.password)

    run = dry_run(kafka_v7, produce(topic), user)

    assert run.outcome == "completed", run.error_message
    result = run.outcome_record.variables["result"]
    assert result["topic"] == topic
    got = read_back(kafka_server, topic, result["offset"])
    assert (got.key, got.value) == (b"order-7", b'{"id": 7}')
    [exchange] = run.outcome_record.exchanges
    assert exchange["target"] == kafka_server.sasl_bootstrap
    assert run.job["variables"]["kafkaConnectionConfiguration"] == "{{credentials.events_kafka}}"
    assert kafka_server.password not in stored(run)


def test_a_wrong_password_in_the_credential_fails_as_usual_without_it(
    egress_worker: Any,  # noqa: F811
    kafka_v7: Any,
    kafka_server: Kafka,
    topic: str,  # noqa: F811
    user: Any,
) -> None:
    wrong = "Wrong-Kafka-Password-in-a-credential-2"
    connection(kafka_v7, user, kafka_server, wrong)

    run = dry_run(kafka_v7, produce(topic), user)

    assert run.outcome == "failed"
    assert "SaslAuthenticationException: Authentication failed: Invalid username or password" in (
        run.error_message
    )
    assert run.outcome_record.error is not None and run.outcome_record.error.code == "FAIL"
    assert wrong not in stored(run) and kafka_server.password not in stored(run)
