"""The schema registry strategy against the real broker, with a recording HTTP server standing
in for the registry (no Confluent-compatible registry starts here: docs/kafka-connector.md).
It answers the register call as Confluent's REST API documents it; the tests check what the
connector asks (subject, schema, type, basic authentication) and the record on the topic:
Confluent's wire format (zero byte, schema id, then the Avro binary or the JSON text)."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import fastavro
import pytest

from connectors.network.policy import EgressPolicy
from tests.builtin.conftest import result_of
from tests.kafka.conftest import plain, read_back, run_kafka
from tests.services.http_servers import RecordingServer, Reply
from tests.services.kafka import Kafka

pytestmark = pytest.mark.xdist_group("kafka")

AVRO = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "int"}]}
JSON_SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}}


@pytest.fixture
def registry() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


def registry_values(server: Kafka, topic: str, url: str, kind: str, schema: object) -> dict:
    return plain(
        server,
        topic,
        **{
            "schemaStrategy.type": "schemaRegistry",
            "schemaStrategy.schemaType": kind,
            "schemaStrategy.schemaRegistryUrl": url,
            "schemaStrategy.schema": "=" + json.dumps(schema),
            "message.value": '={"id": 42}',
            "additionalProperties": '={"basic.auth.credentials.source": "USER_INFO", '
            '"basic.auth.user.info": "reg:pw"}',
        },
    )


def test_avro_is_registered_under_the_value_subject_and_framed(
    kafka_server: Kafka, topic: str, registry: RecordingServer
) -> None:
    path = f"/subjects/{topic}-value/versions"
    registry.route(path, Reply(json={"id": 7}))
    outcome = run_kafka(registry_values(kafka_server, topic, registry.url, "avro", AVRO))
    result = result_of(outcome)

    asked = registry.last(path)
    assert asked.method == "POST"
    assert json.loads(asked.json()["schema"]) == AVRO and "schemaType" not in asked.json()
    assert asked.header("Authorization") == "Basic " + base64.b64encode(b"reg:pw").decode()
    value = read_back(kafka_server, topic, result["offset"]).value or b""
    assert value[:5] == b"\x00\x00\x00\x00\x07"
    assert fastavro.schemaless_reader(io.BytesIO(value[5:]), fastavro.parse_schema(AVRO)) == {
        "id": 42
    }


def test_json_schema_is_registered_as_json_and_the_value_sent_as_json(
    kafka_server: Kafka, topic: str, registry: RecordingServer
) -> None:
    path = f"/subjects/{topic}-value/versions"
    registry.route(path, Reply(json={"id": 300}))
    values = registry_values(kafka_server, topic, registry.url, "json", JSON_SCHEMA)
    result = result_of(run_kafka(values))

    assert registry.last(path).json()["schemaType"] == "JSON"
    value = read_back(kafka_server, topic, result["offset"]).value or b""
    assert value == b"\x00" + (300).to_bytes(4, "big") + b'{"id":42}'


def test_a_registry_refusal_is_fail_with_its_message(
    kafka_server: Kafka, topic: str, registry: RecordingServer
) -> None:
    registry.route(
        f"/subjects/{topic}-value/versions",
        Reply(status=409, json={"error_code": 409, "message": "Schema being registered is "
                                "incompatible with an earlier schema"}),
    )  # fmt: skip
    outcome = run_kafka(registry_values(kafka_server, topic, registry.url, "avro", AVRO))

    assert outcome.kind == "failed"
    assert outcome.variables["error"]["code"] == "FAIL"
    assert outcome.variables["error"]["message"] == (
        "Error during Kafka Producer execution; error message: [Error registering Avro schema: "
        "Schema being registered is incompatible with an earlier schema; error code: 409]"
    )


def test_the_registry_goes_through_the_egress_policy(
    kafka_server: Kafka, topic: str, registry: RecordingServer
) -> None:
    # the broker is allowed, the registry's port is not
    policy = EgressPolicy.from_allowlist([f"127.0.0.1:{kafka_server.port}"])
    values = registry_values(kafka_server, topic, registry.url, "avro", AVRO)
    values["topic.bootstrapServers"] = f"127.0.0.1:{kafka_server.port}"
    outcome = run_kafka(values, policy=policy)

    assert outcome.kind == "failed" and outcome.retries == 0
    assert "The egress policy refused 127.0.0.1" in outcome.message
    assert registry.requests == []
