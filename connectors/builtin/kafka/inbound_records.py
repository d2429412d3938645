"""The Kafka consumer's input and what it makes of a record, as Camunda's inbound connector
does (KafkaConnectorProperties, KafkaPropertyTransformer, KafkaInboundMessage): the consumer
configuration, the derived group id, and the variables `{key, rawValue, value, headers}`."""

from __future__ import annotations

import ast
import hashlib
import json
from typing import Any, Literal

from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.network import Network
from connectorhub_sdk.types import FeelMap, FeelObject, Text
from pydantic import BaseModel, ConfigDict, Field

from . import inbound_values as values
from . import properties, serialise
from .model import Authentication, LegacyAvro, SchemaStrategy, Topic

GROUP_PREFIX = "kafka-inbound-connector"  # KafkaPropertyTransformer.DEFAULT_GROUP_ID_PREFIX
GROUP_MAX = 250  # KafkaPropertyTransformer#resolveGroupId cuts the id there
# Consumer settings a job may add (Java names librdkafka reads alike); the rest go through the
# producer's rules in properties.py (security, SASL, TLS), which refuse unknown names
CONSUMER_SAME = frozenset(
    [
        "group.id",
        "group.instance.id",
        "session.timeout.ms",
        "heartbeat.interval.ms",
        "max.poll.interval.ms",
        "fetch.min.bytes",
        "fetch.max.bytes",
        "max.partition.fetch.bytes",
        "isolation.level",
        "auto.offset.reset",
        "client.rack",
    ]
)
# Java consumer settings with no meaning here (the deserializers are the connector's choice,
# auto commit is always off: the consumer commits what the engine accepted)
CONSUMER_IGNORED = frozenset(
    [
        "key.deserializer",
        "value.deserializer",
        "enable.auto.commit",
        "auto.commit.interval.ms",
        "max.poll.records",
        "partition.assignment.strategy",
        "retention.ms",
    ]
)
PRODUCER_ONLY = (
    "acks",
    "linger.ms",
    "delivery.timeout.ms",
    "message.max.bytes",
    "request.timeout.ms",
)
_DECODER = json.JSONDecoder()  # built once: its construction costs more than a small record


class KafkaInboundInput(BaseModel):
    """Camunda's KafkaConnectorProperties (every template version: v5's `serializationType`
    and `avro.schema`, v7+'s `kafkaConnectionConfiguration`)."""

    model_config = ConfigDict(extra="ignore")
    authenticationType: Literal["credentials", "custom"] | None = "credentials"
    authentication: Authentication | None = None
    topic: Topic | None = None
    groupId: Text | None = Field(default=None, title="Consumer group ID")
    additionalProperties: FeelMap = None
    offsets: FeelObject = Field(default=None, description="e.g. 10 or =[10, 23]")
    autoOffsetReset: Literal["none", "latest", "earliest"] = "latest"
    schemaStrategy: SchemaStrategy | None = None
    serializationType: Literal["json", "avro"] | None = None  # v5
    avro: LegacyAvro | None = None  # v5
    kafkaConnectionConfiguration: FeelMap = None


def connection(data: KafkaInboundInput) -> tuple[str, str, str | None, str | None]:
    """(bootstrap servers, their field, user name, password)."""
    chosen = data.kafkaConnectionConfiguration
    if chosen:
        field = "kafkaConnectionConfiguration.bootstrapServers"
        servers = chosen.get("bootstrapServers")
        if not isinstance(servers, str) or not servers.strip():
            raise ConnectorInputError("must not be empty", field=field)
        return servers, field, chosen.get("username"), chosen.get("password")
    servers = (data.topic.bootstrapServers if data.topic else None) or ""
    if not servers.strip():
        raise ConnectorInputError("must not be empty", field="topic.bootstrapServers")
    auth = data.authentication if data.authenticationType != "custom" else None
    return (
        servers,
        "topic.bootstrapServers",
        *((auth.username, auth.password) if auth else (None, None)),
    )


def consumer_config(data: KafkaInboundInput, bootstrap: str, group_id: str) -> dict[str, str]:
    """KafkaPropertyTransformer#getKafkaProperties in librdkafka's names: authentication,
    servers, additional properties, then the group id (when none was given), the offset reset
    and manual commits."""
    _, _, username, password = connection(data)
    extra = dict(data.additionalProperties or {})
    consumer_only = {k: extra.pop(k) for k in list(extra) if k in CONSUMER_SAME | CONSUMER_IGNORED}
    config = properties.assemble(bootstrap, username, password, extra).config
    for name in PRODUCER_ONLY:
        config.pop(name, None)
    for name, value in consumer_only.items():
        if name in CONSUMER_SAME:
            config[name] = str(value)
    config.setdefault("group.id", group_id)
    reset = "error" if data.autoOffsetReset == "none" else data.autoOffsetReset
    config["auto.offset.reset"] = reset
    config["enable.auto.commit"] = "false"
    config["enable.auto.offset.store"] = "false"
    return config


def group_id(data: KafkaInboundInput, element: dict[str, Any], deduplication_id: str | None) -> str:
    """The consumer group: `groupId` when given, else Camunda's derived
    `kafka-inbound-connector-<deduplication id>` (KafkaPropertyTransformer#computeGroupId), cut
    at 250 characters. The runtime's deduplication id is used when it gives one; else the
    element's `deduplicationId` (manual mode), else a digest of the connection's properties
    (bootstrap servers, topic, schema): the same for every restart and process version that
    keeps them, as Camunda's AUTO mode intends. Never a digest of credentials."""
    if data.groupId:
        return data.groupId[:GROUP_MAX]
    if not deduplication_id:
        manual = element.get("deduplicationId")
        if manual and str(element.get("deduplicationModeManualFlag", "")).lower() == "true":
            deduplication_id = str(manual)
    if not deduplication_id:
        keys = ("topic.bootstrapServers", "topic.topicName", "schemaStrategy.type")
        shown = json.dumps([str(element.get(k, "")) for k in keys])
        deduplication_id = hashlib.sha256(shown.encode()).hexdigest()[:16]
    return f"{GROUP_PREFIX}-{deduplication_id}"[:GROUP_MAX]


def offsets(data: KafkaInboundInput) -> list[int] | None:
    """`offsets`: one number or a list, one per partition (`10`, `=[10, 23]`, `10,23`)."""
    value = data.offsets
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        value = [part for part in value.replace("[", "").replace("]", "").split(",")]
    if not isinstance(value, list):
        value = [value]
    try:
        return [int(str(v).strip()) for v in value]
    except ValueError:
        raise ConnectorInputError(
            "must be offsets, one whole number per partition (e.g. 10 or =[10, 23])",
            field="offsets",
        ) from None


def metadata_seconds(data: KafkaInboundInput) -> float | None:
    """`default.api.timeout.ms` in seconds (None when not set): the Java consumer's bound on a
    metadata call such as `partitionsFor`, here on the topic's metadata at start and on every
    assignment; librdkafka has no such setting, so it never reaches the client."""
    value = (data.additionalProperties or {}).get("default.api.timeout.ms")
    if value is None or str(value).strip() == "":
        return None
    try:
        millis = int(str(value).strip())
    except ValueError:
        millis = 0
    if millis <= 0:
        raise ConnectorInputError(
            f"default.api.timeout.ms must be a whole number of milliseconds above 0, not {value!r}",
            field="additionalProperties",
        )
    return millis / 1000


def decoder(data: KafkaInboundInput, network: Network) -> values.Decoder | None:
    """How values are read: None for text/JSON, else the schema strategy's decoder."""
    if data.schemaStrategy is not None:
        if data.schemaStrategy.type == "inlineSchema":
            schema = serialise.parse_schema(data.schemaStrategy.schema_, "schemaStrategy.schema")
            return values.InlineAvro(schema)
        if data.schemaStrategy.type == "schemaRegistry":
            url = data.schemaStrategy.schemaRegistryUrl or ""
            if not url.strip():
                raise ConnectorInputError(
                    "must not be blank", field="schemaStrategy.schemaRegistryUrl"
                )
            user_info = (data.additionalProperties or {}).get("basic.auth.user.info")
            return values.Registry(url, network, str(user_info) if user_info else None)
        return None
    if data.serializationType == "avro":
        schema = serialise.parse_schema(data.avro.schema_ if data.avro else None, "avro.schema")
        return values.InlineAvro(schema)
    return None


def variables(
    key: bytes | str | None,
    value: bytes | str | None,
    headers: Any,
    decoding: values.Decoder | None,
) -> dict[str, Any]:
    """KafkaPropertyTransformer#convertConsumerRecordToKafkaInboundMessage."""
    key_text = _text(key)
    message: dict[str, Any] = {"key": _tree(key_text) if key_text is not None else None}
    if decoding is not None:
        data = value.encode() if isinstance(value, str) else value or b""
        message["rawValue"], message["value"] = decoding.decode(data)
    else:
        raw = _text(value)
        message["rawValue"] = raw
        message["value"] = _tree(raw) if raw is not None else None
    shown = {str(k): _text(v) for k, v in headers or []}
    message["headers"] = shown or None
    return message


def _text(data: bytes | str | None) -> str | None:
    """Java's `new String(bytes, UTF_8)`: malformed bytes become U+FFFD."""
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data


def _tree(text: str) -> Any:
    """Jackson's readTree with ALLOW_SINGLE_QUOTES: the JSON value, else the text itself."""
    stripped = text.strip()
    if not stripped:
        return text
    try:
        value, end = _DECODER.raw_decode(stripped)
    except ValueError:
        value, end = _single_quoted(stripped), len(stripped)
        if value is None:
            return text
    rest = stripped[end:]
    if rest and not isinstance(value, dict | list) and not rest[0].isspace():
        return text  # `123abc`: not a number
    return value


def _single_quoted(text: str) -> Any:
    if not text.startswith(("{", "[")):
        return None
    try:
        value = ast.literal_eval(text)  # data only, never code
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, dict | list) else None
