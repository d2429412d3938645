"""End to end through the product: Camunda's current Kafka template imported from the pinned
corpus, the SASL password as a hub secret, a dry-run through the real Celery worker against the
real broker (a consumer reads the record back), what the run stores and shows (never the
password); and a loopback broker refused by the dry-run egress policy with REST's message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource, Run, SecretAuditEvent, TemplateVersion
from connectors.secrets.services import secret_create
from tests.builtin.conftest import REST_ID
from tests.builtin.test_dry_run import dry_run, egress_worker, versions  # noqa: F401
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.kafka.conftest import KAFKA_FILE, KAFKA_ID, LATEST, SECRET, plain, read_back
from tests.services.kafka import Kafka

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("kafka"),
]


@pytest.fixture
def kafka_version(db: None) -> Any:
    report = import_documents(
        [(KAFKA_FILE, (CORPUS_DIR / KAFKA_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=KAFKA_ID, version=LATEST)


@pytest.fixture
def policy_worker(celery_worker: Any) -> Any:
    """The session's worker, with no allow-list entry: loopback is refused (tests/services/
    celery_worker.py: the worker has no allow-list from settings)."""
    return celery_worker


def sasl_values(server: Kafka, topic: str) -> dict[str, Any]:
    return plain(
        server,
        topic,
        **{
            "topic.bootstrapServers": server.sasl_bootstrap,
            "authentication.username": server.user,
            "authentication.password": f"{{{{secrets.{SECRET}}}}}",
            "additionalProperties": '={"security.protocol": "SASL_PLAINTEXT"}',
        },
    )


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def test_a_dry_run_produces_with_the_password_as_a_hub_secret(
    egress_worker: Any,  # noqa: F811
    kafka_version: Any,
    kafka_server: Kafka,
    topic: str,
    user: Any,
    client: Client,
) -> None:
    secret_create(name=SECRET, value=kafka_server.password, allowed_hosts=["127.0.0.1"], user=user)
    run = dry_run(kafka_version, sasl_values(kafka_server, topic), user)

    assert run.outcome == "completed", run.error_message
    result = run.outcome_record.variables["result"]
    assert result["topic"] == topic and result["partition"] == 0
    got = read_back(kafka_server, topic, result["offset"])
    assert (got.key, got.value) == (b"order-42", b'{"id": 42, "state": "shipped"}')
    assert got.headers == [("source", b"hub"), ("trace", b"t-1")]
    assert kafka_server.password not in stored(run)
    use = SecretAuditEvent.objects.get(action="use", run_id=str(run.pk))
    assert use.source == SecretAuditEvent.Source.DRY_RUN

    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert f"127.0.0.1:{kafka_server.sasl_port}" in page
    assert f"produce to {topic}: 30 bytes, 2 headers" in page
    assert kafka_server.password not in page


def test_a_loopback_broker_is_refused_with_rests_message(
    policy_worker: Any,
    kafka_version: Any,
    versions: dict[str, Any],  # noqa: F811
    kafka_server: Kafka,
    user: Any,
) -> None:
    secret_create(name=SECRET, value=kafka_server.password, user=user)
    kafka = dry_run(kafka_version, sasl_values(kafka_server, "orders"), user)
    rest = dry_run(
        versions[REST_ID], {"method": "GET", "url": f"http://127.0.0.1:{kafka_server.port}/"}
    )

    assert kafka.outcome == "failed"
    assert "127.0.0.1 is a loopback address (rule 'loopback')" in kafka.error_message
    assert kafka.error_message == rest.error_message
    assert kafka.outcome_record.trace.error["type"] == rest.outcome_record.trace.error["type"]
    assert kafka.outcome_record.retries == rest.outcome_record.retries == 0
