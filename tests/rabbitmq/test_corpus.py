"""Every version of Camunda's official RabbitMQ template, with either connection type, builds a
job our connector binds and reads as Camunda's connector does (the corpus test); the catalogue
marks the template as running here, and the connector's own generated template is valid."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input

from connectors.builtin.rabbitmq import connection
from connectors.builtin.rabbitmq.connector import rabbitmq
from connectors.builtin.rabbitmq.message import basic_properties, body_bytes
from connectors.builtin.rabbitmq.model import RabbitMqInput
from connectors.catalogue.importing import import_documents
from connectors.catalogue.selectors import CatalogueFilters, search_entries
from connectors.elementtemplates import ElementTemplate, build_job, validate_template
from connectors.models import ImportSource
from connectors.registry import default_registry
from tests.builtin.conftest import values_for
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.rabbitmq.conftest import RABBITMQ_FILE, RABBITMQ_ID, RABBITMQ_TYPE, rabbitmq_templates

pytestmark = pytest.mark.xdist_group("rabbitmq")

COMMON = {
    "routing.exchange": "orders",
    "routing.routingKey": "order.created",
    "message.body": '{"id": 42, "item": "tea"}',
    "message.properties": '={contentType: "application/json", headers: {tenant: "acme"}}',
}
AUTHS = {
    "uri": {
        "authentication.authType": "uri",
        "authentication.uri": "amqps://ada:pw@mq.example.com:5671/shop",
    },
    "credentials": {
        "authentication.authType": "credentials",
        "authentication.userName": "ada",
        "authentication.password": "pw",
        "routing.hostName": "mq.example.com",
        "routing.port": "5671",
        "routing.virtualHost": "shop",
    },
}
CASES = [(t, auth) for t in rabbitmq_templates() for auth in AUTHS]


def test_the_corpus_holds_all_six_versions() -> None:
    assert sorted(t.version for t in rabbitmq_templates()) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(("tpl", "auth"), CASES, ids=[f"v{t.version}-{a}" for t, a in CASES])
def test_every_version_builds_a_job_the_connector_reads(tpl: ElementTemplate, auth: str) -> None:
    values: dict[str, Any] = {**COMMON, **AUTHS[auth]}
    job = build_job(tpl, values_for(tpl, values))
    assert not job.errors, job.errors
    assert job.type == RABBITMQ_TYPE == rabbitmq.type
    bound = bind_input(rabbitmq, job.variables)
    assert isinstance(bound, RabbitMqInput)
    assert bound.authentication is not None and bound.routing is not None
    assert bound.message is not None
    assert (bound.routing.exchange, bound.routing.routingKey) == ("orders", "order.created")

    broker = connection.broker_of(bound.authentication, bound.routing)
    assert (broker.host, broker.port, broker.vhost) == ("mq.example.com", 5671, "shop")
    assert (broker.user, broker.password, broker.tls) == ("ada", "pw", auth == "uri")
    assert body_bytes(bound.message.body) == b'{"id":42,"item":"tea"}'
    properties = basic_properties(bound.message.properties)
    assert properties is not None
    assert properties.content_type == "application/json"
    assert properties.headers == {"tenant": "acme"}


def test_the_job_type_is_a_registered_built_in() -> None:
    assert default_registry().source_of(RABBITMQ_TYPE) == (
        "builtin:connectors.builtin.rabbitmq.connector"
    )


@pytest.mark.django_db
def test_the_catalogue_marks_the_official_template_as_running_here() -> None:
    report = import_documents(
        [(RABBITMQ_FILE, (CORPUS_DIR / RABBITMQ_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed
    runs_here = {e.template_id for e in search_entries(CatalogueFilters(runs_here=True))}
    assert RABBITMQ_ID in runs_here


def test_the_generated_template_is_valid() -> None:
    generated = rabbitmq.element_template()
    assert validate_template(generated) == []
    assert generated["properties"][0]["value"] == RABBITMQ_TYPE
