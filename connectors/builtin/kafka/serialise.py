"""Key, value and headers as Camunda's ProducerRecordFactory turns them into bytes.

- key: text as it is, anything else as JSON (Jackson), UTF-8; no key is the text `null`;
- value: the same with no schema; with an inline Avro schema the Avro binary encoding of the
  value (a JSON object, or its text, where single quotes are allowed as Jackson's
  ALLOW_SINGLE_QUOTES does), no framing; with a schema registry Confluent's wire format, a zero
  byte, the 4-byte schema id, then the Avro binary or the JSON text;
- headers: each value's UTF-8 bytes.
"""

from __future__ import annotations

import ast
import io
import json
from typing import Any

import fastavro
from connectorhub_sdk import ConnectorError, ConnectorInputError


def text_of(data: Any) -> str | None:
    """ProducerRecordFactory.transformData: a string as it is, anything else as JSON."""
    if data is None:
        return None
    if isinstance(data, str):
        return data
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def key_text(key: Any) -> str:
    """The record key: ProducerRecordFactory serialises a missing key with Jackson too, so a
    job without key sends the text `null` as its key, as Camunda's connector does."""
    return "null" if key is None else text_of(key) or ""


def parse_schema(text: str | None, field: str) -> Any:
    if not text or not text.strip():
        raise ConnectorInputError("must not be empty: give the Avro schema as JSON", field=field)
    try:
        return fastavro.parse_schema(json.loads(text))
    except ValueError as exc:
        raise ConnectorInputError(f"is not valid JSON ({exc})", field=field) from None
    except (fastavro.schema.SchemaParseException, TypeError, KeyError) as exc:
        raise ConnectorInputError(f"is not a valid Avro schema ({exc})", field=field) from None


def record_of(value: Any) -> Any:
    """The value as a JSON object: text is parsed (single quotes allowed, as Camunda's mapper)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        pass
    try:
        # Jackson's ALLOW_SINGLE_QUOTES: {'a': 'b'}; literal_eval reads data, never code
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ConnectorInputError(
            "must be a JSON object for a schema based message", field="message.value"
        ) from None
    return parsed


def avro_bytes(schema: Any, value: Any) -> bytes:
    """The Avro binary encoding of VALUE under SCHEMA (no container, no framing)."""
    record = record_of(value)
    buffer = io.BytesIO()
    try:
        fastavro.schemaless_writer(buffer, schema, record)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ConnectorError(
            "FAIL",
            "Error during Kafka Producer execution; error message: [the message value does not "
            f"match the Avro schema: {exc}]",
        ) from None
    return buffer.getvalue()


def registry_map(value: Any) -> dict[str, Any]:
    """Camunda refuses a schema registry message whose value is not a map."""
    record = record_of(value)
    if not isinstance(record, dict):
        raise ConnectorError("FAIL", "Message value must be a map for a schema based message")
    return record


def framed(schema_id: int, payload: bytes) -> bytes:
    """Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the data."""
    return b"\x00" + schema_id.to_bytes(4, "big") + payload


def json_schema(text: str) -> Any:
    """A JSON schema for the registry: JSON text (the registry itself judges the schema)."""
    if not text.strip():
        raise ConnectorInputError("must not be empty", field="schemaStrategy.schema")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConnectorInputError(
            f"is not valid JSON ({exc})", field="schemaStrategy.schema"
        ) from None
