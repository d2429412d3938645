"""A submitted form -> values keyed by `field_key`, typed as the API takes them.

Nothing is dropped or corrected here: a name the template does not have, a Dropdown value
outside its choices or a checkbox that says "maybe" are passed on as they came, so that
`check_values` reports them on the field instead of the form quietly fixing them.
"""

from __future__ import annotations

import math
import re
from typing import Any, Protocol

from connectors.elementtemplates import ElementTemplate, Property, field_key
from connectors.elementtemplates.prepare import property_type
from connectors.elementtemplates.values import default_stored, to_stored

from .fields import FEEL_PREFIX, RENDERED_PREFIX, VALUE_PREFIX

_INTEGER = re.compile(r"-?\d+")
_SKIP = object()


class MultiValues(Protocol):
    """What the form reads from a request (Django's QueryDict has this shape)."""

    def __iter__(self) -> Any: ...

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


def values_from_post(template: ElementTemplate, data: MultiValues) -> dict[str, Any]:
    """The values of the fields that were submitted (`v:<field_key>` names).

    A value equal to the template's default is left out, so a saved configuration holds what
    the user changed and picks up the defaults of a newer template version.
    """
    by_key: dict[str, Property] = {}
    repeated: set[str] = set()
    for each in template.properties:
        key = field_key(each)
        if key in by_key:
            repeated.add(key)  # e.g. one id on several conditional properties
        by_key.setdefault(key, each)
    values: dict[str, Any] = {}
    for name in data:
        if not isinstance(name, str) or not name.startswith(VALUE_PREFIX):
            continue
        key = name[len(VALUE_PREFIX) :]
        posted = data.getlist(name)
        raw = str(posted[-1]) if posted else ""  # a checkbox sends "false" then "true"
        raw = raw.replace("\r\n", "\n")  # browsers send a textarea's newlines as CRLF
        prop = by_key.get(key)
        if prop is None:
            values[key] = raw
            continue
        rendered_feel = data.get(RENDERED_PREFIX + key) == "feel"
        if prop.feel == "required":
            wants_feel = True
        elif prop.feel == "optional" and prop.editable is not False:
            wants_feel = data.get(FEEL_PREFIX + key) == "on"
        else:
            wants_feel = rendered_feel
        value = read_value(prop, raw, rendered_feel=rendered_feel, wants_feel=wants_feel)
        if value is _SKIP or (key not in repeated and is_default(prop, value)):
            continue
        values[key] = value
    return values


def is_default(prop: Property, value: Any) -> bool:
    """Whether `value` writes what the template writes by itself (`20` for a default of 20)."""
    try:
        return bool(to_stored(prop, value) == default_stored(prop, generate=False))
    except (TypeError, ValueError):
        return False


def read_value(prop: Property, text: str, *, rendered_feel: bool, wants_feel: bool) -> Any:
    """One field's text as a value: `=expression`, a typed literal, None (empty) or _SKIP."""
    if not text.strip() and prop.generated_value is not None:
        return _SKIP  # the Modeler generates it (a UUID); an empty field asks for that
    if wants_feel:
        body = text if rendered_feel else text.removeprefix("=")
        return "=" + body if body.strip() else None
    if text == "" and prop.value == "":
        return ""  # an empty default stays as the Modeler wrote it (source="")
    kind = property_type(prop)
    if rendered_feel and kind in ("Boolean", "Number"):
        # Switched out of FEEL: a checkbox or number field cannot show `a > b`, so an
        # expression that is not a plain literal becomes the field's empty state.
        literal = _literal(kind, text.strip())
        if kind == "Boolean":
            return literal is True
        return literal if isinstance(literal, int | float) else None
    return _literal(kind, text)


def _literal(kind: str | None, text: str) -> Any:
    if kind == "Boolean":
        if text in ("true", "on"):
            return True
        if text in ("false", ""):
            return False
        return text
    if text == "":
        return None
    if kind == "Number" and not text.startswith("="):
        return _number(text)
    return text


def _number(text: str) -> Any:
    stripped = text.strip()
    if _INTEGER.fullmatch(stripped):
        return int(stripped)
    try:
        number = float(stripped)
    except ValueError:
        return text  # check_values says "must be a number" next to the field
    return number if math.isfinite(number) else text
