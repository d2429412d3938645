"""How Camunda's Java connectors bind loosely typed job variables, as pydantic types.

Zeebe hands a worker the already evaluated input mappings, and old templates type maps as
plain Text, so a `headers` value may be a JSON string and a timeout may be `"20"`. Camunda's
`@FEEL` deserializer (camunda/connectors `jackson-datatype-feel`, FeelDeserializer and
AbstractFeelDeserializer) reads such strings; these types do the same, so every version of a
template binds.

A text that starts with `=` is a FEEL expression, evaluated with an empty context. The SDK has
no FEEL engine of its own: the hub installs its engine with `use_feel_engine`; without one, such
a text is refused with a message that says so.

Messages name the problem, never the value: binding prefixes the field's path, and a value
may hold a secret that was filled in before binding.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BeforeValidator

from connectorhub_sdk.javatext import scalar_text

FeelEngine = Callable[[str], Any]
"""Evaluates a FEEL expression (without its `=`) in an empty context to a JSON value; raises
ValueError with a message that names the problem (never the expression's values)."""

_feel_engine: FeelEngine | None = None


def use_feel_engine(engine: FeelEngine | None) -> None:
    """Install the FEEL engine that reads `=` texts (one per process; None removes it)."""
    global _feel_engine
    _feel_engine = engine


def _evaluate_feel(text: str) -> Any:
    """A string starting with `=` is FEEL, evaluated with an empty context (as Camunda does)."""
    if _feel_engine is None:
        raise ValueError(
            "is a FEEL expression (it starts with '='), and no FEEL engine is installed "
            "(the hub installs one; the SDK alone cannot evaluate FEEL)"
        )
    try:
        return _feel_engine(text.strip()[1:])
    except ValueError as exc:
        raise ValueError(
            f"is a FEEL expression (it starts with '=') that cannot be evaluated: {exc}"
        ) from None


def feel_object(value: Any) -> Any:
    """Camunda's reading of an `@FEEL Object` field (the REST body): `=` strings are FEEL;
    other strings are parsed as JSON when they can be (a non-null result wins), except text
    wrapped in quotes, which stays exactly as written."""
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    if stripped.startswith("="):
        return _evaluate_feel(stripped)
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'":
        return value
    try:
        parsed = json.loads(stripped)
    except ValueError:
        return value
    return value if parsed is None else parsed


def feel_text(value: Any) -> Any:
    """An `@FEEL String` field: `=` strings are FEEL; scalars become text as Jackson does."""
    if isinstance(value, str):
        if not value.strip().startswith("="):
            return value
        value = _evaluate_feel(value)
    return java_text(value)


def java_text(value: Any) -> Any:
    """Jackson's coercion of a JSON scalar to a Java String; objects and lists are left for
    the type check to refuse."""
    return scalar_text(value)


def feel_text_map(value: Any) -> Any:
    """An `@FEEL Map<String, String>` (headers, query parameters): a FEEL context, a JSON object
    or its text; values that are scalars become text, null values stay null."""
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        if stripped.startswith("="):
            value = _evaluate_feel(stripped)
        else:
            try:
                value = json.loads(stripped)
            except ValueError:
                raise ValueError(
                    'must be a map of names to values, e.g. {"name": "value"} '
                    "(a FEEL context or a JSON object)"
                ) from None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("must be a map of names to values (a FEEL context or a JSON object)")
    result: dict[str, str | None] = {}
    for position, (key, item) in enumerate(value.items(), start=1):
        if isinstance(item, dict | list):
            kind = "an object" if isinstance(item, dict) else "a list"
            raise ValueError(
                f"every value must be text, but entry {position} of {len(value)} is {kind}"
            )
        result[str(key)] = java_text(item)
    return result


def feel_map(value: Any) -> Any:
    """A FEEL context given as an object or as JSON text (GraphQL variables, SOAP contexts)."""
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        if stripped.startswith("="):
            value = _evaluate_feel(stripped)
        else:
            try:
                value = json.loads(stripped)
            except ValueError as exc:
                raise ValueError(f"is not valid JSON ({exc})") from None
    if value is not None and not isinstance(value, dict):
        raise ValueError("must be an object (a FEEL context or a JSON object)")
    return value


def optional_int(value: Any) -> Any:
    """Integer inputs: `"20"` and `20.0` bind, a blank text means unset (Jackson's null)."""
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        if stripped.startswith("="):
            return _evaluate_feel(stripped)
        return stripped
    return value


def lenient_bool(value: Any) -> Any:
    """Booleans: blank text means unset (false), `"true"`/`"false"` in any case bind."""
    if isinstance(value, str):
        stripped = value.strip().lower()
        if not stripped:
            return False
        if stripped.startswith("="):
            return _evaluate_feel(stripped)
        return stripped
    return False if value is None else value


Text = Annotated[str, BeforeValidator(java_text)]
FeelText = Annotated[str, BeforeValidator(feel_text)]
FeelObject = Annotated[Any, BeforeValidator(feel_object)]
FeelTextMap = Annotated[dict[str, str | None] | None, BeforeValidator(feel_text_map)]
FeelMap = Annotated[dict[str, Any] | None, BeforeValidator(feel_map)]
OptionalInt = Annotated[int | None, BeforeValidator(optional_int)]
Flag = Annotated[bool, BeforeValidator(lenient_bool)]

__all__ = [
    "FeelEngine",
    "FeelMap",
    "FeelObject",
    "FeelText",
    "FeelTextMap",
    "Flag",
    "OptionalInt",
    "Text",
    "feel_map",
    "feel_object",
    "feel_text",
    "feel_text_map",
    "java_text",
    "lenient_bool",
    "optional_int",
    "use_feel_engine",
]
