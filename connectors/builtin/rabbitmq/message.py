"""The message as Camunda's connector builds it (MessageUtil, ValidationPropertiesUtil): the body's
bytes and the AMQP BasicProperties from the `message.properties` map."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pika
from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.javatext import double_to_string, scalar_text

FIELD = "message.properties"

# AMQP.BasicProperties' fields (the names Jackson binds) -> pika's names
TEXT_PROPERTIES = {
    "contentType": "content_type",
    "contentEncoding": "content_encoding",
    "correlationId": "correlation_id",
    "replyTo": "reply_to",
    "expiration": "expiration",
    "messageId": "message_id",
    "type": "type",
    "userId": "user_id",
    "appId": "app_id",
    "clusterId": "cluster_id",
}
OCTET_PROPERTIES = {"deliveryMode": "delivery_mode", "priority": "priority"}
KNOWN = [*TEXT_PROPERTIES, *OCTET_PROPERTIES, "headers", "timestamp"]


def body_bytes(body: Any) -> bytes:
    """MessageUtil.getBodyAsByteArray: a text that holds a JSON object or array is sent as
    compact JSON (Jackson reads the first value and ignores what follows it); any other text as
    it is (a JSON scalar, plain text); a value that is not text (a FEEL context, a number) as
    JSON. Always UTF-8."""
    if body is None:
        raise ConnectorInputError("must not be null", field="message.body")
    if isinstance(body, str):
        parsed = _json_container(body)
        if parsed is None:
            return body.encode()
        body = parsed
    return jackson_json(body).encode()


def _json_container(text: str) -> Any:
    """The JSON object or array TEXT starts with, else None (Jackson's readTree: leading
    whitespace skipped, trailing tokens ignored, no NaN)."""
    stripped = text.lstrip(" \t\r\n")
    if not stripped.startswith(("{", "[")):
        return None
    try:
        value, _ = json.JSONDecoder(parse_constant=_no_constant).raw_decode(stripped)
    except ValueError:
        return None
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def jackson_json(value: Any) -> str:
    """Compact JSON as Jackson writes it: no spaces, non-ASCII as is, doubles as Java prints
    them (`1.0E-5`, `100.0`)."""
    if isinstance(value, dict):
        items = (
            f"{json.dumps(str(k), ensure_ascii=False)}:{jackson_json(v)}" for k, v in value.items()
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(jackson_json(v) for v in value) + "]"
    if isinstance(value, float):
        return double_to_string(value)
    return json.dumps(value, ensure_ascii=False)


def basic_properties(properties: dict[str, Any] | None) -> pika.BasicProperties | None:
    """The map converted to AMQP BasicProperties as Jackson converts it; a name BasicProperties
    does not have is refused (Camunda's "Unsupported field [x] for properties")."""
    if not properties:
        return None if properties is None else pika.BasicProperties()
    values: dict[str, Any] = {}
    for name, value in properties.items():
        if name not in KNOWN:
            raise ConnectorInputError(
                f"Unsupported field [{name}] for properties (AMQP properties are "
                f"{', '.join(KNOWN)})",
                field=FIELD,
            )
        if value is None:
            continue
        if name in TEXT_PROPERTIES:
            values[TEXT_PROPERTIES[name]] = _text(name, value)
        elif name in OCTET_PROPERTIES:
            values[OCTET_PROPERTIES[name]] = _octet(name, value)
        elif name == "headers":
            values["headers"] = _headers(value)
        else:
            values["timestamp"] = _timestamp(value)
    return pika.BasicProperties(**values)


def _text(name: str, value: Any) -> str:
    text = scalar_text(value)  # Jackson makes text of numbers and booleans
    if not isinstance(text, str):
        raise ConnectorInputError("must be text", field=f"{FIELD}.{name}")
    return text


def _octet(name: str, value: Any) -> int:
    """deliveryMode and priority: Java Integers sent as one octet (0-255)."""
    number: Any = value
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            number = None
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 255:
        hint = " (1: transient, 2: persistent)" if name == "deliveryMode" else ""
        raise ConnectorInputError(
            f"must be a whole number from 0 to 255{hint}", field=f"{FIELD}.{name}"
        )
    return number


def _headers(value: Any) -> dict[str, Any]:
    """A map of names to values of any JSON type, written as the AMQP field table the Java
    client writes for the same values (text, int/long, boolean, table, array, void), except
    that a fractional number is a decimal: pika cannot write a double."""
    if not isinstance(value, dict):
        raise ConnectorInputError("must be a map of names to values", field=f"{FIELD}.headers")
    return {str(k): _field_value(v, f"{FIELD}.headers.{k}") for k, v in value.items()}


def _field_value(value: Any, field: str) -> Any:
    if isinstance(value, dict):
        return {str(k): _field_value(v, f"{field}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_field_value(v, field) for v in value]
    if isinstance(value, float):
        exact = Decimal(repr(value))  # finite: the values come from JSON
        exponent = int(exact.as_tuple().exponent)
        if exponent > 0 or not -(2**31) <= int(exact.scaleb(-exponent)) < 2**31:
            raise ConnectorInputError(
                "a fractional number must fit an AMQP decimal (9 digits); send it as text",
                field=field,
            )
        return exact
    return value


def _timestamp(value: Any) -> int:
    """A java.util.Date as Jackson reads one: epoch milliseconds, or an ISO-8601 text; AMQP
    carries whole seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value // 1000)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text) // 1000
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:  # without a zone, Jackson's StdDateFormat reads UTC
            return int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp())
    raise ConnectorInputError(
        "must be epoch milliseconds or an ISO-8601 date-time, e.g. 2026-12-06T10:15:30Z",
        field=f"{FIELD}.timestamp",
    )
