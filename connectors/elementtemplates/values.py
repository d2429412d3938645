"""Property values in the form the Modeler stores them in BPMN XML.

Boolean and Number fields of zeebe:input/zeebe:output are FEEL by default (`feel: static`), so the
Modeler writes `=false` and `=20`; any `feel: required` field is written as an expression too.
"""

import math
import uuid
from typing import Any

from .model import Property

ALWAYS_FEEL_BINDINGS = frozenset({"zeebe:input", "zeebe:output"})


def feel_mode(prop: Property) -> str | None:
    """The effective FEEL mode (input/output bindings default to `static`)."""
    if prop.binding.type in ALWAYS_FEEL_BINDINGS:
        return prop.feel or "static"
    return prop.feel


def should_cast_to_feel(prop: Property) -> bool:
    """Whether the stored value is a FEEL expression made from a plain value."""
    mode = feel_mode(prop)
    if mode == "required":
        return True
    return mode in ("optional", "static") and prop.type in ("Boolean", "Number")


def to_feel(value: Any, prop_type: str | None) -> str | None:
    """`true` -> `=true`, `20` -> `=20`; expressions and missing values pass through."""
    if isinstance(value, str) and value.startswith("="):
        return value
    if prop_type == "Boolean":
        return "=" + ("true" if _truthy(False if value == "false" else value) else "false")
    if value is None:
        return None
    return "=" + js_string(value)


def from_feel(value: Any, prop_type: str | None) -> Any:
    """The plain value behind a stored expression, as the Modeler reads it for conditions."""
    if value is None:
        return None
    if isinstance(value, str) and value.startswith("="):
        value = value[1:]
    if prop_type == "Number":
        return js_number(value)
    if prop_type == "Boolean":
        return value != "false"
    return value


def default_stored(prop: Property, *, generate: bool = True) -> Any:
    """The value the Modeler writes for a property nobody edited (None: nothing)."""
    value: Any  # FEEL text, or the property's value as written (text, number, boolean)
    if should_cast_to_feel(prop) or prop.feel == "required":
        value = to_feel(prop.value, prop.type)
    else:
        value = prop.value
    generator = prop.generated_value
    if value is None and generate and generator is not None and generator.type == "uuid":
        return str(uuid.uuid4())
    return value


def to_stored(prop: Property, value: Any) -> Any:
    """A value a user entered, in stored form (typed Booleans/Numbers become FEEL if cast)."""
    if value is None:
        return None
    if should_cast_to_feel(prop) or prop.feel == "required":
        return to_feel(value, prop.type)
    return value


def xml_text(value: Any) -> str | None:
    """How a stored value reads back from an XML attribute."""
    if value is None:
        return None
    return js_string(value)


def js_string(value: Any) -> str:
    """JavaScript's String(value) for JSON scalars (true, 20, 1.5, ...)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


def js_number(value: Any) -> float:
    """JavaScript's Number(value); NaN for text that is not a number."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if not text:
        return 0.0
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return number


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", 0.0)
