"""Camunda's Kafka producer, `io.camunda:connector-kafka:1` (outbound), drop-in for every
version (1-7) of its template: bootstrap servers, topic, key and value, headers, additional
producer properties, SASL user name and password, and the schema strategies none, inline Avro
schema and schema registry (Avro or JSON schema). One record per job through librdkafka
(confluent-kafka); every broker goes through the network door. docs/kafka-connector.md."""

from __future__ import annotations

from typing import Any

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector

from . import properties, registry, serialise
from .model import KafkaInput, SchemaStrategy
from .producer import Record, Send, servers, vetted_bootstrap


@connector(
    type="io.camunda:connector-kafka:1",
    name="Kafka Producer",
    input=KafkaInput,
    description="Produce one record to a Kafka topic; runs Camunda's official Kafka producer "
    "templates unchanged.",
    documentation_ref=(
        "https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/kafka/"
        "?kafka=outbound"
    ),
)
def kafka(data: KafkaInput, context: ConnectorContext) -> JSON:
    """Send the record and return `{topic, timestamp, offset, partition}` (Camunda's
    KafkaConnectorResponse)."""
    bootstrap, username, password = _connection(data)
    topic = (data.topic.topicName if data.topic else None) or ""
    if not topic.strip():
        raise ConnectorInputError("must not be empty", field="topic.topicName")
    if data.message is None or data.message.value is None:
        raise ConnectorInputError("must not be null", field="message.value")
    settings = properties.assemble(bootstrap, username, password, data.additionalProperties)
    wanted = servers(bootstrap, _bootstrap_field(data))
    value = _value(data, topic, settings.registry_user_info, context)
    key = serialise.key_text(data.message.key)
    headers = [(k, (v or "").encode()) for k, v in (data.headers or {}).items()]
    record = Record(topic, key.encode(), value, headers)
    shown_target = ",".join(f"{h}:{p}" for h, p in wanted)
    summary = f"produce to {topic}: {len(record.value or b'')} bytes, {len(headers)} headers"
    with context.network.exchange("kafka", shown_target, summary) as exchange:
        exchange.request_body = _shown_request(record, key)
        settings.config["bootstrap.servers"] = vetted_bootstrap(wanted, settings.tls, context)
        with Send(settings, context) as send:
            result = send.run(record)
        exchange.status = "ok"
        exchange.response_body = (
            f"partition {result['partition']}, offset {result['offset']}, "
            f"timestamp {result['timestamp']}"
        )
    return result


def _connection(data: KafkaInput) -> tuple[str, str | None, str | None]:
    """The reusable credential (v7) when chosen, else the inline fields."""
    chosen = data.kafkaConnectionConfiguration
    if chosen:
        servers_text = chosen.get("bootstrapServers")
        if not isinstance(servers_text, str) or not servers_text.strip():
            raise ConnectorInputError(
                "must not be empty", field="kafkaConnectionConfiguration.bootstrapServers"
            )
        return servers_text, chosen.get("username"), chosen.get("password")
    auth = data.authentication
    servers_text = data.topic.bootstrapServers if data.topic else None
    if not servers_text or not servers_text.strip():
        raise ConnectorInputError("must not be empty", field="topic.bootstrapServers")
    return servers_text, auth.username if auth else None, auth.password if auth else None


def _bootstrap_field(data: KafkaInput) -> str:
    if data.kafkaConnectionConfiguration:
        return "kafkaConnectionConfiguration.bootstrapServers"
    return "topic.bootstrapServers"


def _strategy(data: KafkaInput) -> SchemaStrategy:
    """The schema strategy; template v4's `serializationType: avro` is an inline Avro schema."""
    if data.schemaStrategy is not None:
        return data.schemaStrategy
    if data.serializationType == "avro":
        schema = data.avro.schema_ if data.avro else None
        return SchemaStrategy.model_validate({"type": "inlineSchema", "schema": schema})
    return SchemaStrategy()


def _value(data: KafkaInput, topic: str, user_info: str | None, context: ConnectorContext) -> bytes:
    assert data.message is not None
    value = data.message.value
    strategy = _strategy(data)
    legacy = data.schemaStrategy is None and data.serializationType == "avro"
    schema_field = "avro.schema" if legacy else "schemaStrategy.schema"
    if strategy.type == "inlineSchema":
        schema = serialise.parse_schema(strategy.schema_, schema_field)
        return serialise.avro_bytes(schema, value)
    if strategy.type == "schemaRegistry":
        return _registry_value(strategy, topic, value, user_info, context)
    return (serialise.text_of(value) or "").encode()


def _registry_value(
    strategy: SchemaStrategy, topic: str, value: Any, user_info: str | None,
    context: ConnectorContext,
) -> bytes:  # fmt: skip
    if not (strategy.schemaRegistryUrl or "").strip():
        raise ConnectorInputError("must not be blank", field="schemaStrategy.schemaRegistryUrl")
    record = serialise.registry_map(value)
    text = strategy.schema_ or ""
    if strategy.schemaType == "avro":
        schema = serialise.parse_schema(text, "schemaStrategy.schema")
        payload = serialise.avro_bytes(schema, record)
    else:
        serialise.json_schema(text)
        payload = serialise.text_of(record).encode()  # type: ignore[union-attr]
    assert strategy.schemaRegistryUrl is not None
    schema_id = registry.register(
        strategy.schemaRegistryUrl, topic, text, strategy.schemaType, user_info, context
    )
    return serialise.framed(schema_id, payload)


def _shown_request(record: Record, key: str) -> str:
    """The record for the run page: key, headers, and the value as text when it is text."""
    lines = [f"topic: {record.topic}", f"key: {key}"]
    lines += [f"header {name}: {value.decode(errors='replace')}" for name, value in record.headers]
    raw = record.value or b""
    try:
        shown = raw.decode() if b"\x00" not in raw[:1] else None
    except UnicodeDecodeError:
        shown = None
    lines.append(shown if shown is not None else f"({len(raw)} bytes of binary data)")
    return "\n".join(lines)
