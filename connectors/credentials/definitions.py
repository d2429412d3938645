"""A configuration template (the `configurationTemplates` entry of an element template) as a form
and as the object a connector receives. Plain Python.

The configuration template's properties are element-template properties with `property`
bindings (zeebe-element-templates-json-schema 0.46, `configurationTemplates`): the hub reads them
as a template of their own, so the configure form's renderer, conditions, dropdowns and
constraints apply unchanged. The binding names are paths in the configuration's value object
(`authentication.accessKey` nests), as the connectors' ADR-0004 describes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.elementtemplates import ElementTemplate, Property, field_key
from connectors.elementtemplates.job import assign_path, resolve

from .references import secret_name


class DefinitionError(ValueError):
    """The stored configuration template cannot be read (never holds a value)."""


def as_template(definition: Mapping[str, Any]) -> ElementTemplate:
    """DEFINITION (one `configurationTemplates` entry) as a template the form renderer draws."""
    try:
        return ElementTemplate.from_dict(
            {
                "id": definition["id"],
                "name": definition.get("name") or definition["id"],
                "version": definition.get("version", 1),
                "appliesTo": ["bpmn:Task"],
                "groups": definition.get("groups") or _groups(definition),
                "properties": definition.get("properties") or [],
            }
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DefinitionError(f"configuration template cannot be read: {exc}") from None


def _groups(definition: Mapping[str, Any]) -> list[dict[str, str]]:
    """The groups the properties name (configuration templates declare none): one per name."""
    seen: dict[str, None] = {}
    for prop in definition.get("properties") or []:
        if isinstance(prop, dict) and isinstance(prop.get("group"), str):
            seen.setdefault(prop["group"], None)
    return [{"id": name, "label": name.replace("_", " ").capitalize()} for name in seen]


def secret_keys(template: ElementTemplate) -> set[str]:
    """The field keys of the properties marked `secret: true` (write-only, encrypted)."""
    return {field_key(p) for p in template.properties if p.secret}


def shape(
    name: str, template: ElementTemplate, values: Mapping[str, Any], present: set[str]
) -> dict[str, Any]:
    """The object a connector receives for credential NAME: the active properties' values at
    their binding paths; secret fields (PRESENT: those with a stored value) as references the
    runtime's secrets phase fills in, so it masks and audits them like any secret. A secret field
    that holds a `{{secrets.X}}` reference (Camunda's way) is kept as given, in VALUES."""
    secrets = secret_keys(template)
    # conditions see the secret fields as set (never their values)
    seen = {**values, **{key: "x" for key in present}}
    result: dict[str, Any] = {}
    for prop in resolve(template, seen).active:
        key = field_key(prop)
        value = _value(prop, key, values, secrets, present, name)
        if value is not None and prop.binding.name:
            assign_path(result, prop.binding.name, value)
    return result


def _value(
    prop: Property,
    key: str,
    values: Mapping[str, Any],
    secrets: set[str],
    present: set[str],
    name: str,
) -> Any:
    if key in secrets and key not in values:
        return "{{secrets." + secret_name(name, key) + "}}" if key in present else None
    if key in values and values[key] not in (None, ""):
        return values[key]
    return prop.value
