"""The connector's return value as plain JSON, and JSON as Camunda's messages spell it.

Camunda converts a connector's response with Jackson's ObjectMapper
(`io.camunda.connector.runtime.core.ConnectorResultHandler`); here pydantic models are dumped,
tuples listed, decimals turned into numbers, non-text keys spelled as Java does
(`connectorhub_sdk.javatext.key_text`), and anything else refused with a message that says what came
back.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from connectorhub_sdk import JSON
from connectorhub_sdk.javatext import key_text
from pydantic import BaseModel

from connectors import feel


class NotJson(Exception):
    java_type = "com.fasterxml.jackson.databind.JsonMappingException"


def json_value(value: Any) -> JSON:
    """VALUE as plain JSON (a copy), or NotJson naming what is not JSON."""
    # the plain JSON types first: every node of a response is checked, and BaseModel's
    # isinstance (pydantic's metaclass is an ABCMeta) costs several times theirs
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dict):
        return {_json_key(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, Decimal):
        return feel.to_json(value)
    raise NotJson(f"The connector returned a value that is not JSON: {type(value).__name__}")


def _json_key(key: Any) -> str:
    try:
        return key_text(key)
    except TypeError:
        raise NotJson(f"The connector returned a dict key that is not a string: {key!r}") from None


def dumps(value: JSON) -> str:
    """Compact JSON, as Camunda quotes an evaluated value in its messages."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_kind(value: JSON) -> str:
    """Jackson's node type name, as Camunda's messages use it."""
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"
