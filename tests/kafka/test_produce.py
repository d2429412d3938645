"""The connector against a real Kafka broker: each template version sends a record that a plain
consumer reads back exactly (key, value, headers), SASL PLAIN and SCRAM with the password as a
secret, inline Avro decoded with the schema, additional properties in Java's names."""

from __future__ import annotations

import io
import json

import fastavro
import pytest

from connectors.elementtemplates import build_job
from connectors.runtime import JobRequest, run_job
from connectors.secrets import MappingSecretProvider
from tests.builtin.conftest import LOCAL_ONLY, result_of, template, values_for
from tests.kafka.conftest import (
    KAFKA_FILE,
    KAFKA_ID,
    LATEST,
    SECRET,
    kafka_templates,
    plain,
    read_back,
    run_kafka,
)
from tests.services.kafka import Kafka

pytestmark = pytest.mark.xdist_group("kafka")

SCHEMA = {
    "type": "record",
    "name": "Employee",
    "fields": [
        {"name": "name", "type": "string"},
        {"name": "age", "type": "int"},
        {"name": "emails", "type": {"type": "array", "items": "string"}},
        {"name": "boss", "type": ["null", "Employee"], "default": None},
    ],
}


@pytest.mark.parametrize("version", sorted(t.version for t in kafka_templates()))
def test_every_version_sends_a_record_the_consumer_reads_back_exactly(
    kafka_server: Kafka, topic: str, version: int
) -> None:
    outcome = run_kafka(plain(kafka_server, topic), version=version)
    result = result_of(outcome)

    assert set(result) == {"topic", "timestamp", "offset", "partition"}
    assert (result["topic"], result["partition"], result["offset"]) == (topic, 0, 0)
    got = read_back(kafka_server, topic, result["offset"])
    assert got.key == b"order-42"
    assert got.value == b'{"id": 42, "state": "shipped"}'  # text goes as it is written
    assert got.timestamp == result["timestamp"]
    if version > 2:  # v1 and v2 have no headers field
        assert got.headers == [("source", b"hub"), ("trace", b"t-1")]
    (exchange,) = outcome.trace.exchanges
    assert exchange["protocol"] == "kafka" and exchange["status"] == "ok"
    assert exchange["target"] == kafka_server.bootstrap
    assert "key: order-42" in exchange["request_body"]
    assert "header trace: t-1" in exchange["request_body"] or version <= 2
    assert "offset 0" in exchange["response_body"]


def test_feel_values_are_sent_as_json_as_camunda_serialises_them(
    kafka_server: Kafka, topic: str
) -> None:
    values = plain(
        kafka_server,
        topic,
        **{"message.key": '={"order": 42}', "message.value": '={"items": [1, 2], "note": "é"}'},
    )
    result = result_of(run_kafka(values))

    got = read_back(kafka_server, topic, result["offset"])
    assert got.key == b'{"order":42}'
    assert json.loads(got.value or b"") == {"items": [1, 2], "note": "é"}
    assert got.value == '{"items":[1,2],"note":"é"}'.encode()


def test_a_job_without_key_sends_the_text_null_as_camunda_does(
    kafka_server: Kafka, topic: str
) -> None:
    values = plain(kafka_server, topic)
    del values["message.key"]
    result = result_of(run_kafka(values))
    assert read_back(kafka_server, topic, result["offset"]).key == b"null"


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_sasl_login_with_the_password_as_a_secret(
    kafka_server: Kafka, topic: str, mechanism: str
) -> None:
    # Camunda sets SASL_SSL and PLAIN; the test broker's SASL listener has no TLS, so the
    # additional properties override them as a Camunda user would
    extra = {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": mechanism}
    values = plain(
        kafka_server,
        topic,
        **{
            "topic.bootstrapServers": kafka_server.sasl_bootstrap,
            "authentication.username": kafka_server.user,
            "authentication.password": f"{{{{secrets.{SECRET}}}}}",
            "additionalProperties": "=" + json.dumps(extra),
        },
    )
    outcome = run_kafka(values, secrets={SECRET: kafka_server.password})
    result = result_of(outcome)

    assert read_back(kafka_server, topic, result["offset"]).value == (
        b'{"id": 42, "state": "shipped"}'
    )
    assert kafka_server.password not in repr(outcome.trace)


def test_inline_avro_schema_sends_the_avro_encoding_of_the_value(
    kafka_server: Kafka, topic: str
) -> None:
    value = {"name": "Ada", "age": 36, "emails": ["ada@example.com"]}
    values = plain(
        kafka_server,
        topic,
        **{
            "schemaStrategy.type": "inlineSchema",
            "schemaStrategy.schema": "=" + json.dumps(SCHEMA),
            "message.value": "=" + json.dumps(value),
        },
    )
    result = result_of(run_kafka(values))

    got = read_back(kafka_server, topic, result["offset"])
    decoded = fastavro.schemaless_reader(
        io.BytesIO(got.value or b""), fastavro.parse_schema(SCHEMA)
    )
    assert decoded == {**value, "boss": None}
    assert got.key == b"order-42"


def test_template_v4s_avro_serialization_type_is_an_inline_schema(
    kafka_server: Kafka, topic: str
) -> None:
    values = plain(
        kafka_server,
        topic,
        **{
            "serializationType": "avro",
            "avro.schema": "=" + json.dumps(SCHEMA),
            # text in single quotes, as Camunda's mapper (ALLOW_SINGLE_QUOTES) reads it
            "message.value": "{'name': 'Bo', 'age': 7, 'emails': []}",
        },
    )
    result = result_of(run_kafka(values, version=4))

    got = read_back(kafka_server, topic, result["offset"])
    decoded = fastavro.schemaless_reader(
        io.BytesIO(got.value or b""), fastavro.parse_schema(SCHEMA)
    )
    assert decoded == {"name": "Bo", "age": 7, "emails": [], "boss": None}


def test_a_value_that_does_not_fit_the_avro_schema_is_named(
    kafka_server: Kafka, topic: str
) -> None:
    values = plain(
        kafka_server,
        topic,
        **{
            "schemaStrategy.type": "inlineSchema",
            "schemaStrategy.schema": "=" + json.dumps(SCHEMA),
            "message.value": '{"name": "Ada", "age": "old", "emails": []}',
        },
    )
    outcome = run_kafka(values)
    assert outcome.kind == "failed"
    assert outcome.variables["error"]["code"] == "FAIL"
    assert "does not match the Avro schema" in outcome.message and "age" in outcome.message


def test_the_connection_credential_of_template_v7(kafka_server: Kafka, topic: str) -> None:
    tpl = template(KAFKA_FILE, KAFKA_ID, LATEST)
    job = build_job(tpl, values_for(tpl, plain(kafka_server, topic)))
    variables = dict(job.variables)
    variables.pop("topic")
    variables["topic"] = {"topicName": topic}
    variables["additionalProperties"] = {"security.protocol": "SASL_PLAINTEXT"}
    variables["kafkaConnectionConfiguration"] = {
        "bootstrapServers": kafka_server.sasl_bootstrap,
        "username": kafka_server.user,
        "password": f"{{{{secrets.{SECRET}}}}}",
    }
    assert job.type is not None
    outcome = run_job(
        JobRequest(type=job.type, variables=variables, headers=job.headers, retries=3),
        secrets=MappingSecretProvider({SECRET: kafka_server.password}),
        time_limit=30.0,
        address_policy=LOCAL_ONLY,
    )
    result = result_of(outcome)
    assert read_back(kafka_server, topic, result["offset"]).key == b"order-42"


def test_java_property_names_are_read_and_unknown_ones_named(
    kafka_server: Kafka, topic: str
) -> None:
    mapped = plain(
        kafka_server,
        topic,
        additionalProperties='={"max.request.size": 1000, "compression.type": "gzip", '
        '"session.timeout.ms": 45000, "sasl.jaas.config": ""}',
        **{"message.value": "x" * 2000},
    )
    too_large = run_kafka(mapped)
    assert too_large.kind == "failed"
    assert too_large.variables["error"]["code"] == "FAIL"
    assert "RecordTooLargeException" in too_large.message
    assert "larger than 1000, which is the value of the max.request.size" in too_large.message

    unknown = run_kafka(plain(kafka_server, topic, additionalProperties='={"lingerz.ms": 1}'))
    assert unknown.kind == "failed" and unknown.retries == 0
    assert "additionalProperties: unknown Kafka producer property 'lingerz.ms'" in (unknown.message)
    # librdkafka's own settings that would run a command are not taken from a job
    command = run_kafka(
        plain(kafka_server, topic, additionalProperties='={"sasl.kerberos.kinit.cmd": "id"}')
    )
    assert command.kind == "failed" and command.retries == 0
    assert "unknown Kafka producer property 'sasl.kerberos.kinit.cmd'" in command.message
    size = run_kafka(
        plain(kafka_server, topic, additionalProperties='={"max.request.size": "1 MB"}')
    )
    assert size.kind == "failed" and size.retries == 0
    assert "additionalProperties:" in size.message and "message.max.bytes" in size.message
    bad = run_kafka(plain(kafka_server, topic, additionalProperties='={"acks": "some"}'))
    assert bad.kind == "failed" and bad.retries == 0
    assert "additionalProperties:" in bad.message and "acks" in bad.message


def test_a_user_name_without_password_is_an_input_error(kafka_server: Kafka, topic: str) -> None:
    outcome = run_kafka(plain(kafka_server, topic, **{"authentication.username": "ada"}))
    assert outcome.kind == "failed" and outcome.retries == 0
    assert "authentication: Username / password pair is required" in outcome.message
