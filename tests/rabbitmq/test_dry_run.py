"""End to end through the product: Camunda's current RabbitMQ template imported from the pinned
corpus, the password as a hub secret, a dry-run through the real Celery worker against the
private broker, what a consumer reads, and what the run stores and shows (never the password);
and a dry-run's connection to loopback refused by the network door with REST's message."""

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
from tests.rabbitmq.conftest import (
    LATEST,
    RABBITMQ_FILE,
    RABBITMQ_ID,
    SECRET,
    credentials,
    unique,
)
from tests.services.rabbitmq import RabbitMQ

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("rabbitmq"),
]


@pytest.fixture
def rabbitmq_version(db: None) -> Any:
    """The newest version of Camunda's RabbitMQ template, imported as a user would."""
    report = import_documents(
        [(RABBITMQ_FILE, (CORPUS_DIR / RABBITMQ_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=RABBITMQ_ID, version=LATEST)


@pytest.fixture
def policy_worker(celery_worker: Any) -> Any:
    """The session's worker, with no allow-list entry: loopback is refused (tests/services/
    celery_worker.py: the worker has no allow-list from settings)."""
    return celery_worker


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def publish_values(broker: RabbitMQ, exchange: str) -> dict[str, Any]:
    return credentials(
        broker,
        **{
            "authentication.password": f"{{{{secrets.{SECRET}}}}}",
            "routing.exchange": exchange,
            "routing.routingKey": "order.created",
            "message.body": '={orderId: 42, items: ["tea"]}',
            "message.properties": '={contentType: "application/json", headers: {tenant: "acme"}}',
        },
    )


def test_a_dry_run_publishes_with_the_password_as_a_hub_secret(
    egress_worker: Any,  # noqa: F811
    rabbitmq_version: Any,
    broker: RabbitMQ,
    user: Any,
    client: Client,
) -> None:
    secret_create(name=SECRET, value=broker.password, allowed_hosts=["127.0.0.1"], user=user)
    exchange = unique("orders")
    queue = broker.queue_bound(exchange, "order.created", kind="topic")
    run = dry_run(rabbitmq_version, publish_values(broker, exchange), user)

    assert run.outcome == "completed", run.error_message
    assert run.outcome_record.variables == {"result": {"statusResult": "success"}}
    taken = broker.take(queue)
    assert taken is not None
    method, properties, body = taken
    assert body == b'{"orderId":42,"items":["tea"]}'
    assert method.routing_key == "order.created"
    assert properties.content_type == "application/json"
    assert properties.headers == {"tenant": "acme"}
    assert broker.password not in stored(run)
    use = SecretAuditEvent.objects.get(action="use", run_id=str(run.pk))
    assert use.source == SecretAuditEvent.Source.DRY_RUN

    [row] = run.outcome_record.exchanges
    target = f"127.0.0.1:{broker.port}/{broker.vhost}"
    assert (row["protocol"], row["target"], row["status"]) == ("amqp", target, "confirmed")
    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert target in page and f"publish to &#x27;{exchange}&#x27;" in page
    assert broker.password not in page


def test_a_connection_to_loopback_is_refused_with_rests_message(
    policy_worker: Any,
    rabbitmq_version: Any,
    versions: dict[str, Any],  # noqa: F811
    broker: RabbitMQ,
    user: Any,
) -> None:
    secret_create(name=SECRET, value=broker.password, user=user)
    amqp = dry_run(rabbitmq_version, publish_values(broker, "amq.topic"), user)
    rest = dry_run(versions[REST_ID], {"method": "GET", "url": f"http://127.0.0.1:{broker.port}/"})

    assert amqp.outcome == "failed"
    assert "127.0.0.1 is a loopback address (rule 'loopback')" in amqp.error_message
    assert amqp.error_message == rest.error_message
    assert amqp.outcome_record.trace.error["type"] == rest.outcome_record.trace.error["type"]
    assert amqp.outcome_record.retries == rest.outcome_record.retries == 0
