"""Save as connector: a saved configuration becomes a template-only connector of its own.

The new template is the configuration's template with a new id, name and version. Each value the
user fixed becomes, as they choose per field, a `Hidden` property holding exactly the text the
Modeler would write (nobody can change it), or the field's default (still editable). Every other
field stays as it was. Secret references (`{{secrets.NAME}}`) are text and stay references: the
value itself never enters a template. The `elementTemplateId`/`elementTemplateVersion` headers,
which Camunda's connector templates use to name themselves, are pointed at the new template.
The result is validated and imported into the catalogue like any other template, so it shows
there and exports like any other.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from connectors.catalogue.importing import DocumentResult, import_parsed
from connectors.configure import check
from connectors.elementtemplates import (
    ElementTemplate,
    Property,
    field_key,
    resolve,
)
from connectors.elementtemplates.values import to_stored, xml_text
from connectors.models import CatalogueEntry, ConnectorKind, ImportSource, SavedConfiguration

Mode = Literal["hidden", "default"]
MODES: tuple[Mode, ...] = ("hidden", "default")
# Camunda's connector templates name themselves in these task headers.
SELF_HEADERS = {"elementTemplateId": "id", "elementTemplateVersion": "version"}
# Keys that only mean something for a field a person edits.
EDITING_KEYS = ("choices", "constraints", "feel", "placeholder", "optional", "editable", "language")
TEMPLATE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$")


class SaveAsConnectorError(ValueError):
    """Nothing was saved; `errors` maps a form field (or "template") to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class FixedValue:
    """A field the configuration sets: what the user sees when choosing hidden or default."""

    key: str
    label: str
    value: Any
    can_be_default: bool  # False when the value cannot be the field's default (see below)


def fixed_values(template: ElementTemplate, values: Mapping[str, Any]) -> list[FixedValue]:
    """The configuration's values of fields that are shown for these values, in template order."""
    found: dict[str, FixedValue] = {}
    for prop in resolve(template, values).active:
        key = field_key(prop)
        if (
            key in values
            and key not in found
            and prop.type != "Hidden"
            and prop.editable is not False
        ):
            label = prop.label or key
            found[key] = FixedValue(
                key, label, values[key], _default_of(prop, values[key]) is not None
            )
    return list(found.values())


def connector_template(
    source: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    template_id: str,
    name: str,
    version: int = 1,
    modes: Mapping[str, Mode] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """The new template (not yet validated or stored); `modes[key]` defaults to "hidden"."""
    model = ElementTemplate.from_dict(dict(source))
    fixed = {f.key: f for f in fixed_values(model, values)}
    modes = modes or {}
    template = copy.deepcopy(dict(source))
    template.update({"id": template_id, "name": name, "version": version})
    if description is not None:
        template["description"] = description
    for stale in ("deprecated", "isDefault"):
        template.pop(stale, None)
    active = {id(p) for p in resolve(model, values).active}
    for prop, data in zip(model.properties, template["properties"], strict=True):
        key = field_key(prop)
        header = prop.binding.key if prop.binding.type == "zeebe:taskHeader" else None
        if header in SELF_HEADERS and prop.type == "Hidden":
            data["value"] = template_id if SELF_HEADERS[header] == "id" else str(version)
        elif key in fixed and id(prop) in active:
            mode = modes.get(key, "hidden")
            default = _default_of(prop, values[key]) if mode == "default" else None
            if default is not None:
                data["value"] = default
            else:
                _make_hidden(data, prop, values[key])
    return template


def save_as_connector(
    *,
    configuration: SavedConfiguration,
    source: Mapping[str, Any],
    template_id: str,
    name: str,
    user: Any,
    version: int = 1,
    modes: Mapping[str, str] | None = None,
    description: str | None = None,
) -> DocumentResult:
    """Create the connector in the catalogue; raises SaveAsConnectorError, saving nothing."""
    template_id, name = template_id.strip(), " ".join(name.split())
    modes = modes or {}
    errors = _input_errors(template_id, name, version, modes)
    model = ElementTemplate.from_dict(dict(source))
    problems = check(model, configuration.values).errors  # what a run refuses, unevaluated
    if problems:
        errors["values"] = [f"{key}: {', '.join(m)}" for key, m in problems.items()]
    if errors:
        raise SaveAsConnectorError(errors)
    template = connector_template(
        source,
        configuration.values,
        template_id=template_id,
        name=name,
        version=version,
        modes={k: v for k, v in modes.items() if v in MODES},  # type: ignore[misc]
        description=description,
    )
    result = import_parsed(
        f"configuration {configuration.name!r}",
        [template],
        source=ImportSource.CONFIGURATION,
        user=user,
        kind=ConnectorKind.TEMPLATE,
    )
    if not result.ok:
        raise SaveAsConnectorError({"template": result.errors})
    return result


def suggested_id(configuration: SavedConfiguration) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", configuration.name.lower()).strip("-") or "connector"
    return f"{configuration.template_id}.{slug}"[:255]


def _input_errors(
    template_id: str, name: str, version: int, modes: Mapping[str, str]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not TEMPLATE_ID.match(template_id):
        errors["id"] = ["use letters, digits and . _ : - (at most 255 characters)"]
    elif CatalogueEntry.objects.filter(template_id=template_id).exists():
        # A new connector never adds versions to one that exists (it would become its default).
        errors["id"] = [f"{template_id} is already in the catalogue; choose a new id"]
    if not name:
        errors["name"] = ["must not be empty"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        errors["version"] = ["must be a whole number of at least 1"]
    bad = sorted(key for key, mode in modes.items() if mode not in MODES)
    if bad:
        errors["modes"] = [f"{key}: choose hidden or default" for key in bad]
    return errors


def _make_hidden(data: dict[str, Any], prop: Property, value: Any) -> None:
    """The property as a Hidden one holding what the Modeler would have written."""
    for key in EDITING_KEYS:
        data.pop(key, None)
    data["type"] = "Hidden"
    data["value"] = xml_text(to_stored(prop, value)) or ""


def _default_of(prop: Property, value: Any) -> Any:
    """`value` as the template default of this field, or None when it cannot be one.

    A Boolean or Number field holds a typed default; an expression there (`=...`) can only be
    kept as a Hidden value. A Dropdown default must be one of its choices.
    """
    if prop.type == "Boolean":
        return value if isinstance(value, bool) else None
    if prop.type == "Number":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return value if number else None
    if not isinstance(value, str):
        return None
    if prop.type == "Dropdown" and value not in [c.value for c in prop.choices or []]:
        return None
    return value
