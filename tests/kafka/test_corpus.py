"""Every version (1-7) of Camunda's official Kafka producer template, with each schema strategy
it offers, builds a job whose variables our connector binds (the corpus test); test_produce then
sends through each version to the real broker."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input

from connectors.builtin.kafka import kafka
from connectors.builtin.kafka.model import KafkaInput
from connectors.catalogue.importing import import_documents
from connectors.catalogue.selectors import CatalogueFilters, search_entries
from connectors.elementtemplates import ElementTemplate, build_job, validate_template
from connectors.models import ImportSource
from tests.builtin.conftest import values_for
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.kafka.conftest import KAFKA_FILE, KAFKA_ID, kafka_templates

SCHEMA = '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "int"}]}'
STRATEGIES = ["noSchema", "inlineSchema", "schemaRegistry"]


def strategies(tpl: ElementTemplate) -> list[str]:
    """The schema strategies a version offers (v4: its serialization types; older: none)."""
    ids = {p.id for p in tpl.properties}
    if "schemaStrategy.type" in ids:
        return STRATEGIES
    if "serializationType" in ids:
        return ["json", "avro"]
    return ["noSchema"]


CASES = [(t, s) for t in kafka_templates() for s in strategies(t)]


def form_values(strategy: str) -> dict[str, Any]:
    return {
        "authentication.username": "ada",
        "authentication.password": "pw",
        "topic.bootstrapServers": "kafka.example.com:9092",
        "topic.topicName": "orders",
        "message.key": "order-42",
        "message.value": '{"id": 42}',
        "headers": '={"source": "hub"}',
        "additionalProperties": '={"linger.ms": 5}',
        "schemaStrategy.type": strategy,
        "schemaStrategy.schema": SCHEMA,
        "schemaStrategy.schemaType": "avro",
        "schemaStrategy.schemaRegistryUrl": "https://registry.example.com",
        "serializationType": strategy,
        "avro.schema": SCHEMA,
    }


@pytest.mark.parametrize(("tpl", "strategy"), CASES, ids=[f"v{t.version}-{s}" for t, s in CASES])
def test_every_version_and_strategy_builds_a_job_the_connector_binds(
    tpl: ElementTemplate, strategy: str
) -> None:
    job = build_job(tpl, values_for(tpl, form_values(strategy)))
    assert not job.errors, job.errors
    assert job.type == kafka.type
    bound = bind_input(kafka, job.variables)
    assert isinstance(bound, KafkaInput)
    assert bound.topic is not None and bound.topic.topicName == "orders"
    assert bound.topic.bootstrapServers == "kafka.example.com:9092"
    assert bound.authentication is not None and bound.authentication.password == "pw"
    assert bound.message is not None and bound.message.value == '{"id": 42}'
    assert bound.additionalProperties == {"linger.ms": 5}
    if tpl.version > 2:  # v1 and v2 have no headers field
        assert bound.headers == {"source": "hub"}
    if strategy in ("inlineSchema", "schemaRegistry"):
        assert bound.schemaStrategy is not None and bound.schemaStrategy.type == strategy
        # a FEEL-required field: the Modeler's FEEL context, written back as JSON text
        assert json.loads(bound.schemaStrategy.schema_ or "") == json.loads(SCHEMA)
    if strategy == "avro":
        assert bound.serializationType == "avro"
        assert bound.avro is not None
        assert json.loads(bound.avro.schema_ or "") == json.loads(SCHEMA)


@pytest.mark.django_db
def test_the_catalogue_marks_the_official_template_as_running_here() -> None:
    report = import_documents(
        [(KAFKA_FILE, (CORPUS_DIR / KAFKA_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed
    runs_here = {e.template_id for e in search_entries(CatalogueFilters(runs_here=True))}
    assert KAFKA_ID in runs_here


def test_the_generated_template_is_valid() -> None:
    generated = kafka.element_template()
    assert validate_template(generated) == []
    assert generated["properties"][0]["value"] == "io.camunda:connector-kafka:1"
