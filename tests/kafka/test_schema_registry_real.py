"""The schema registry strategy against a real Confluent-compatible registry (Apicurio Registry,
tests/services/apicurio.py) and the real broker: the connector registers the template's schema
under `<topic>-value`, the record carries the id the registry gave (Confluent's wire format:
zero byte, 4-byte id, then the Avro binary or the JSON text), and a consumer that looks the id
up in the registry decodes exactly what was sent. A schema the subject's compatibility rule
refuses fails the job as Camunda's connector reports it, and nothing is produced."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import fastavro
import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition

from tests.builtin.conftest import result_of
from tests.kafka.conftest import plain, read_back, run_kafka
from tests.services.apicurio import Apicurio, apicurio
from tests.services.kafka import Kafka

pytestmark = pytest.mark.xdist_group("kafka")

ORDER = {
    "type": "record",
    "name": "Order",
    "fields": [{"name": "id", "type": "int"}, {"name": "state", "type": "string"}],
}
ORDER_JSON = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "state": {"type": "string"}},
    "required": ["id"],
}
SENT = {"id": 42, "state": "shipped"}


@pytest.fixture(scope="session")
def registry() -> Iterator[Apicurio]:
    with apicurio() as running:
        yield running


def registry_values(server: Kafka, topic: str, registry: Apicurio, kind: str, schema: Any) -> dict:
    return plain(
        server,
        topic,
        **{
            "schemaStrategy.type": "schemaRegistry",
            "schemaStrategy.schemaType": kind,
            "schemaStrategy.schemaRegistryUrl": registry.url,
            "schemaStrategy.schema": "=" + json.dumps(schema),
            "message.value": "=" + json.dumps(SENT),
        },
    )


def framed(value: bytes | None) -> tuple[int, bytes]:
    """Confluent's wire format: the schema id and the payload."""
    assert value is not None and value[0] == 0, value
    return int.from_bytes(value[1:5], "big"), value[5:]


def looked_up(registry: Apicurio, schema_id: int) -> dict[str, Any]:
    """What a consumer's deserialiser asks the registry for an id it reads."""
    response = httpx.get(f"{registry.url}/schemas/ids/{schema_id}", timeout=10)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def latest_id(registry: Apicurio, subject: str) -> int:
    response = httpx.get(f"{registry.url}/subjects/{subject}/versions/latest", timeout=10)
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def test_avro_is_registered_and_a_consumer_decodes_it_with_the_registrys_schema(
    kafka_server: Kafka, topic: str, registry: Apicurio
) -> None:
    outcome = run_kafka(registry_values(kafka_server, topic, registry, "avro", ORDER))
    result = result_of(outcome)

    schema_id, payload = framed(read_back(kafka_server, topic, result["offset"]).value)
    assert schema_id == latest_id(registry, f"{topic}-value")
    stored = looked_up(registry, schema_id)
    assert stored.get("schemaType", "AVRO") == "AVRO"
    writer = fastavro.parse_schema(json.loads(stored["schema"]))
    assert fastavro.schemaless_reader(io.BytesIO(payload), writer) == SENT


def test_json_schema_is_registered_as_json_and_the_value_is_its_json_text(
    kafka_server: Kafka, topic: str, registry: Apicurio
) -> None:
    outcome = run_kafka(registry_values(kafka_server, topic, registry, "json", ORDER_JSON))
    result = result_of(outcome)

    schema_id, payload = framed(read_back(kafka_server, topic, result["offset"]).value)
    assert schema_id == latest_id(registry, f"{topic}-value")
    stored = looked_up(registry, schema_id)
    assert stored["schemaType"] == "JSON"
    assert json.loads(stored["schema"]) == ORDER_JSON
    assert json.loads(payload) == SENT


def test_the_same_schema_again_keeps_its_id(
    kafka_server: Kafka, topic: str, registry: Apicurio
) -> None:
    """Every job registers its schema (as Camunda's producer does); the registry answers an
    already registered one with the id it has, so records stay decodable."""
    values = registry_values(kafka_server, topic, registry, "avro", ORDER)
    first = result_of(run_kafka(values))
    second = result_of(run_kafka(values))

    ids = {framed(read_back(kafka_server, topic, r["offset"]).value)[0] for r in (first, second)}
    assert len(ids) == 1


def test_a_schema_the_compatibility_rule_refuses_fails_as_camunda_reports_it(
    kafka_server: Kafka, topic: str, registry: Apicurio
) -> None:
    subject = f"{topic}-value"
    rule = httpx.put(
        f"{registry.url}/config/{subject}", json={"compatibility": "BACKWARD"}, timeout=10
    )
    assert rule.status_code == 200, rule.text
    result_of(run_kafka(registry_values(kafka_server, topic, registry, "avro", ORDER)))
    # `id` changes from int to string: a reader of the new schema cannot read the old records
    changed = {**ORDER, "fields": [{"name": "id", "type": "string"}, ORDER["fields"][1]]}
    values = registry_values(kafka_server, topic, registry, "avro", changed)
    values["message.value"] = '={"id": "42", "state": "shipped"}'
    outcome = run_kafka(values)

    assert outcome.kind == "failed"
    error = outcome.variables["error"]
    assert error["code"] == "FAIL"
    prefix = (
        "Error during Kafka Producer execution; error message: [Error registering Avro schema: "
    )
    assert error["message"].startswith(prefix), error["message"]
    assert error["message"].endswith("; error code: 409]"), error["message"]
    assert "Incompatible" in error["message"]
    assert _records(kafka_server, topic) == 1  # the refused record was not produced


def _records(server: Kafka, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": server.bootstrap, "group.id": "watermarks"})
    try:
        _low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        return int(high)
    finally:
        consumer.close()
