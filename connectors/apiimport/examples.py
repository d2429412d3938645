"""An example value from a JSON Schema (OpenAPI's dialect): the schema's own example, default,
enum or const where it has one, else a placeholder of the right type. A schema met again inside
itself (a recursive type) and very deep or wide schemas are cut short, so the example stays a
readable starting point for the body field rather than the whole type."""

from __future__ import annotations

from typing import Any

from .refs import Refs

MAX_DEPTH = 6
MAX_PROPERTIES = 40
FORMAT_EXAMPLES = {
    "date-time": "2024-01-31T12:00:00Z",
    "date": "2024-01-31",
    "time": "12:00:00",
    "email": "user@example.com",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "uri": "https://example.com",
    "url": "https://example.com",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "",
    "binary": "",
}
SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean"})


def flatten(schema: Any, refs: Refs) -> dict[str, Any]:
    """SCHEMA dereferenced, with `allOf` parts merged and the first `oneOf`/`anyOf` branch taken
    (a body example shows one valid shape)."""
    return _flatten(schema, refs, ())


def _flatten(schema: Any, refs: Refs, seen: tuple[int, ...]) -> dict[str, Any]:
    schema = refs.deref(schema)
    if not isinstance(schema, dict) or id(schema) in seen:
        return {}
    seen = (*seen, id(schema))
    merged = {k: v for k, v in schema.items() if k not in ("allOf", "oneOf", "anyOf")}
    for part in schema.get("allOf") or []:
        flat = _flatten(part, refs, seen)
        merged["properties"] = {**flat.get("properties", {}), **merged.get("properties", {})}
        merged["required"] = [*flat.get("required", []), *merged.get("required", [])]
        for key, value in flat.items():
            merged.setdefault(key, value)
    for choice in ("oneOf", "anyOf"):
        options = schema.get(choice) or []
        if options and "type" not in merged and "properties" not in merged:
            for key, value in _flatten(options[0], refs, seen).items():
                merged.setdefault(key, value)
    return merged


def schema_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1: ["string", "null"]
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "properties" in schema:
        return "object"
    return kind if isinstance(kind, str) else ""


def example_of(schema: Any, refs: Refs) -> Any:
    return _example(schema, refs, 0, ())


def _example(schema: Any, refs: Refs, depth: int, seen: tuple[int, ...]) -> Any:
    raw = refs.deref(schema)
    if not isinstance(raw, dict) or id(raw) in seen or depth > MAX_DEPTH:
        return None
    seen = (*seen, id(raw))
    flat = _flatten(raw, refs, ())
    for key in ("example", "const", "default"):
        if key in flat:
            return flat[key]
    if isinstance(flat.get("examples"), list) and flat["examples"]:
        return flat["examples"][0]
    if isinstance(flat.get("enum"), list) and flat["enum"]:
        return flat["enum"][0]
    kind = schema_type(flat)
    if kind == "object":
        properties = flat.get("properties") or {}
        values = {
            name: _example(sub, refs, depth + 1, seen)
            for name, sub in list(properties.items())[:MAX_PROPERTIES]
            if not (refs.deref(sub) or {}).get("readOnly")
        }
        # a property cut short (recursive, too deep) is left out: null would break the schema
        return {name: value for name, value in values.items() if value is not None}
    if kind == "array":
        item = _example(flat.get("items"), refs, depth + 1, seen)
        return [] if item is None else [item]
    if kind == "string":
        return FORMAT_EXAMPLES.get(str(flat.get("format")), "string")
    if kind in ("integer", "number"):
        return flat.get("minimum", 0)
    if kind == "boolean":
        return False
    return None
