"""Camunda 7 typed variables in and out: the engine's `{"type", "value", "valueInfo"}` triples
on one side, the plain JSON the runtime core works with on the other.

The rules are Camunda 7's (the REST API's variable format and the Java external task client's
defaults, `org.camunda.bpm.client.variable.impl.mapper.*ValueMapper`):

- in: String, Boolean, Integer, Short, Long, Double as they are; Null as None; Date as its text;
  Json (Spin) parsed; Object parsed when serialized as `application/json`. Anything else
  (Java-serialized or XML objects, Bytes, File, Xml) cannot be read as JSON: `VariableError`.
- out: None -> Null, bool -> Boolean, int -> Integer within 32 bits else Long, float -> Double,
  str -> String, dict and list -> Object serialized as `application/json` with the Java type
  Jackson reads them into (`java.util.LinkedHashMap`, `java.util.ArrayList`), as the Java
  client sends a Map or a List. The engine keeps a String in a column of 4,000 characters, so
  a longer text goes as an Object (`java.lang.String`, stored as a byte array) rather than
  failing the completion; an int beyond 64 bits as an Object (`java.math.BigInteger`).

A variable name with dots (`authentication.type`, as a Camunda 7 template's input parameter
writes a nested field) is nested into objects, as Zeebe's input mapping targets are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

JSON_FORMAT = "application/json"
MAX_STRING_CHARS = 4000  # ACT_RU_VARIABLE.TEXT_ is varchar(4000)
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
PLAIN_TYPES = frozenset({"String", "Boolean", "Integer", "Short", "Long", "Double", "Date"})


class VariableError(ValueError):
    """A variable the hub cannot read as JSON; the message names it and its type."""


def plain_value(name: str, typed: Mapping[str, Any]) -> Any:
    """The JSON value of one typed variable from the engine (fetched with deserializeValues
    false, so an Object arrives as its serialized text)."""
    kind = str(typed.get("type") or "")
    value = typed.get("value")
    if kind == "Null" or (value is None and kind in PLAIN_TYPES):
        return None
    if kind in PLAIN_TYPES:
        return value
    if kind == "Json":
        return _parsed(name, kind, value)
    if kind == "Object":
        info = typed.get("valueInfo") or {}
        data_format = info.get("serializationDataFormat")
        if data_format == JSON_FORMAT:
            return _parsed(name, kind, value)
        raise VariableError(
            f"variable '{name}' is an Object serialized as {data_format or 'an unknown format'} "
            f"({info.get('objectTypeName') or 'unknown type'}); the hub reads Object variables "
            f"serialized as {JSON_FORMAT} only"
        )
    raise VariableError(
        f"variable '{name}' has type {kind or 'none'}, which the hub cannot read as JSON "
        "(it reads String, Boolean, Integer, Short, Long, Double, Date, Null, Json and "
        f"Object serialized as {JSON_FORMAT})"
    )


def _parsed(name: str, kind: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value  # already a JSON value (a client that sent it unserialized)
    try:
        return json.loads(value)
    except ValueError as exc:
        raise VariableError(f"variable '{name}' ({kind}) is not valid JSON: {exc}") from None


def typed_value(value: Any) -> dict[str, Any]:
    """VALUE as the engine's typed variable (see the module docstring for the rules)."""
    if value is None:
        return {"type": "Null", "value": None}
    if isinstance(value, bool):
        return {"type": "Boolean", "value": value}
    if isinstance(value, int):
        if INT32[0] <= value <= INT32[1]:
            return {"type": "Integer", "value": value}
        if INT64[0] <= value <= INT64[1]:
            return {"type": "Long", "value": value}
        return _object(value, "java.math.BigInteger")
    if isinstance(value, float):
        return {"type": "Double", "value": value}
    if isinstance(value, str):
        if len(value) <= MAX_STRING_CHARS:
            return {"type": "String", "value": value}
        return _object(value, "java.lang.String")
    if isinstance(value, Mapping):
        return _object(value, "java.util.LinkedHashMap")
    if isinstance(value, list | tuple):
        return _object(value, "java.util.ArrayList")
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _object(value: Any, java_type: str) -> dict[str, Any]:
    return {
        "type": "Object",
        "value": json.dumps(value, ensure_ascii=False, separators=(",", ":")),
        "valueInfo": {"objectTypeName": java_type, "serializationDataFormat": JSON_FORMAT},
    }


def typed_variables(variables: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every variable of a completion, failure or BPMN error, typed."""
    return {str(name): typed_value(value) for name, value in variables.items()}


def nested(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted names nested into objects: {"a.b": 1, "a.c": 2} -> {"a": {"b": 1, "c": 2}}.

    Names without a dot come first, so that a dotted name adds to the object of that name;
    a dotted name under a value that is not an object raises VariableError naming both."""
    result: dict[str, Any] = {k: v for k, v in variables.items() if "." not in k}
    for name in sorted(k for k in variables if "." in k):
        *parents, leaf = name.split(".")
        target = result
        for depth, part in enumerate(parents):
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                owner = ".".join(parents[: depth + 1])
                raise VariableError(
                    f"variable '{name}' needs '{owner}' to be an object, but '{owner}' is "
                    f"{type(child).__name__}"
                )
            target = child
        target[leaf] = variables[name]
    return result
