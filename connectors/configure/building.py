"""Template + values -> the render model of the "Configure & test" page.

`build_form` is the one call a view makes: it checks the values (connectors.configure.checking),
builds the job for the preview, and lays the active properties out in the template's groups,
each field carrying its own messages. Hidden properties and those whose condition is false are
not fields at all; their effect shows in the job preview.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from connectors.elementtemplates import ElementTemplate, Property, field_key
from connectors.elementtemplates.prepare import property_type
from connectors.secrets import MASK, find_references

from .checking import VARIABLES_FIELD, Checked, check, parse_variables
from .fields import (
    CredentialNames,
    FieldView,
    build_field,
    credential_name,
    is_credential,
)
from .html import safe_html

CUSTOM_GROUP = "__custom"  # where the Modeler puts properties of no (known) group


@dataclass
class GroupView:
    id: str
    label: SafeString
    tooltip: SafeString
    open: bool
    fields: list[FieldView] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.fields if f.errors)


@dataclass
class ConfigureForm:
    """The page's data: groups of fields, every message, and the job preview."""

    template: ElementTemplate
    groups: list[GroupView]
    errors: dict[str, list[str]]  # field_key -> messages (the API's 400 body)
    other_errors: list[str]  # messages about names that are not fields on the page
    job: dict[str, Any]  # the preview; credentials typed in plain text are masked
    variables_text: str
    variables_errors: list[str]
    hidden_count: int
    unsupported_count: int

    @property
    def ok(self) -> bool:
        return not self.errors and not self.variables_errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + (1 if self.variables_errors else 0)

    @property
    def job_json(self) -> str:
        return json.dumps(self.job, indent=2, ensure_ascii=False)

    @property
    def fields(self) -> list[FieldView]:
        return [f for group in self.groups for f in group.fields]


def build_form(
    template: ElementTemplate,
    values: Mapping[str, Any],
    *,
    variables_text: str = "",
    credentials: CredentialNames | None = None,
) -> ConfigureForm:
    """The form for `values`, checked, with the job they produce for the sample variables.

    CREDENTIALS lists the credentials a `Configuration` field offers (none when not given)."""
    variables, variables_errors = parse_variables(variables_text)
    checked = check(template, values, variables)
    groups, hidden, unsupported = _lay_out(template, values, checked, credentials)
    shown = {f.key for group in groups for f in group.fields}
    other = [
        f"{key}: {message}"
        for key, messages in checked.errors.items()
        if key not in shown
        for message in messages
    ]
    return ConfigureForm(
        template=template,
        groups=groups,
        errors=checked.errors,
        other_errors=other,
        job=_masked_job(checked, [f for g in groups for f in g.fields]),
        variables_text=variables_text,
        variables_errors=variables_errors,
        hidden_count=hidden,
        unsupported_count=unsupported,
    )


def _lay_out(
    template: ElementTemplate,
    values: Mapping[str, Any],
    checked: Checked,
    credentials: CredentialNames | None = None,
) -> tuple[list[GroupView], int, int]:
    groups = {
        g.id: GroupView(
            g.id, safe_html(g.label), safe_html(g.tooltip), g.open_by_default is not False
        )
        for g in template.groups or []
    }
    custom = GroupView(CUSTOM_GROUP, safe_html("Custom properties"), safe_html(""), True)
    index = {id(p): i for i, p in enumerate(template.properties)}
    hidden = unsupported = 0
    for prop in checked.resolved.active:
        if prop.type == "Hidden" or property_type(prop) is None:
            hidden += 1
            continue
        key = field_key(prop)
        view = build_field(
            prop, index[id(prop)], _shown_value(prop, values), checked.errors.get(key, []),
            _notes(prop), credentials,
        )  # fmt: skip
        unsupported += view.kind == "unsupported"
        groups.get(prop.group or "", custom).fields.append(view)
    laid_out = [g for g in [*groups.values(), custom] if g.fields]
    for group in laid_out:
        group.open = group.open or group.error_count > 0
    return laid_out, hidden, unsupported


def _shown_value(prop: Property, values: Mapping[str, Any]) -> Any:
    key = field_key(prop)
    if key in values and prop.editable is not False:
        return values[key]
    return prop.value


def _notes(prop: Property) -> list[str]:
    notes = []
    if prop.generated_value is not None and prop.value is None:
        notes.append("Left empty, a new UUID is generated, as the Modeler does.")
    return notes


def _masked_job(checked: Checked, fields: list[FieldView]) -> dict[str, Any]:
    """The job as JSON, with credentials typed in plain text replaced by the mask."""
    job = checked.job.as_dict()
    concealed = {f.key for f in fields if f.concealed and f.value}
    if not concealed:
        return job
    job = copy.deepcopy(job)
    for prop in checked.resolved.active:
        if field_key(prop) not in concealed:
            continue
        binding = prop.binding
        if binding.type == "zeebe:input" and binding.name:
            _mask_path(job["variables"], binding.name.split("."))
        elif binding.type == "zeebe:taskHeader" and binding.key in job["headers"]:
            job["headers"][binding.key] = MASK
        elif binding.type == "zeebe:property" and binding.name in job["properties"]:
            job["properties"][binding.name] = MASK
    return job


def masked_values(template: ElementTemplate | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` for display: credentials typed in plain text (not secret references) masked.

    Without the template (its version was removed) the field names alone decide.
    """
    if template is not None:
        credentials = {field_key(p) for p in template.properties if is_credential(p)}
    else:
        credentials = {key for key in values if credential_name(key)}
    return {
        key: MASK
        if key in credentials and isinstance(value, str) and value and not find_references(value)
        else value
        for key, value in values.items()
    }


def _mask_path(node: Any, path: list[str]) -> None:
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    last = path[-1]
    value = node.get(last) if isinstance(node, dict) else None
    if isinstance(value, str) and value and not find_references(value):
        node[last] = MASK


__all__ = ["VARIABLES_FIELD", "ConfigureForm", "GroupView", "build_form", "masked_values"]
