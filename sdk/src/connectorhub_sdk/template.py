"""The element-template generator: an input model becomes a Zeebe element template
(zeebe-element-templates-json-schema), as Camunda's element-template-generator
(`io.camunda.connector.generator`) does for Java connectors."""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

if TYPE_CHECKING:  # declaration.py imports this module to generate its template
    from connectorhub_sdk.declaration import OutboundConnector

TEMPLATE_SCHEMA_URL = (
    "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json"
)
TEMPLATE_KEY = "x-connectorhub"
PropertyType = Literal["String", "Text", "Hidden", "Dropdown", "Boolean", "Number"]
FeelMode = Literal["optional", "required", "static"]


def ui(
    *,
    label: str | None = None,
    group: str | None = None,
    type: PropertyType | None = None,
    feel: FeelMode | Literal["disabled"] | None = None,
    condition: Mapping[str, Any] | None = None,
    choices: Mapping[str, str] | None = None,
    placeholder: str | None = None,
    tooltip: str | None = None,
    secret: bool = False,
    pattern_message: str | None = None,
) -> dict[str, Any]:
    """Template hints for one input field, passed as `Field(json_schema_extra=ui(...))`.

    `condition` is Camunda's property condition, naming another field by its dotted path:
    `{"property": "authentication.type", "equals": "bearer"}` or `{... "oneOf": [...]}`.
    `choices` maps a Literal/Enum value to its label. `secret` only changes the tooltip so
    users know a `{{secrets.NAME}}` reference belongs there. `pattern_message` is what the
    Modeler says when a value does not match the field's `pattern`, written to follow the
    label (`"must be an upper-case code"`); default: `must match <pattern>`.
    """
    hints = {
        "label": label,
        "group": group,
        "type": type,
        "feel": feel,
        "condition": dict(condition) if condition else None,
        "choices": dict(choices) if choices else None,
        "placeholder": placeholder,
        "tooltip": tooltip,
        "secret": secret or None,
        "pattern_message": pattern_message,
    }
    return {TEMPLATE_KEY: {key: value for key, value in hints.items() if value is not None}}


def _hints(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        hints = extra.get(TEMPLATE_KEY)
        if isinstance(hints, dict):
            return hints
    return {}


def default_template_id(job_type: str) -> str:
    """`io.camunda:http-json:1` -> `io.camunda.http-json` (the version goes in `version`)."""
    parts = job_type.split(":")
    if len(parts) > 1 and parts[-1].isdigit():
        parts = parts[:-1]
    return ".".join(parts)


def _label(name: str) -> str:
    """`readTimeoutInSeconds` / `read_timeout` -> `Read timeout in seconds` (Camunda's style);
    an all-capitals value such as `GET` stays as it is."""
    if name.isupper():
        return name
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    """(inner type, whether None is allowed) for `X | None` and `Optional[X]`."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        if len(args) == 1:
            # `Annotated[A | B, Field(discriminator=...)] | None`: the union inside is the type
            inner = args[0]
            return (get_args(inner)[0] if get_origin(inner) is Annotated else inner), nullable
        return Union[tuple(args)], nullable  # noqa: UP007 - rebuilding a union from parts
    return annotation, False


def _model_variants(annotation: Any) -> list[type[BaseModel]] | None:
    """The member models of a union made only of pydantic models, else None."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return None
    args = get_args(annotation)
    if all(isinstance(arg, type) and issubclass(arg, BaseModel) for arg in args):
        return list(args)
    return None


def _literal_values(annotation: Any) -> list[Any] | None:
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [member.value for member in annotation]
    return None


def _json_default(info: FieldInfo) -> Any:
    """The field's default as a template `value`, or None when it has no simple default."""
    if info.is_required() or info.default_factory is not None:
        return None
    value = info.default
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool | int | float | str):
        return value
    return None


@dataclass
class _TemplateBuilder:
    connector: OutboundConnector
    properties: list[dict[str, Any]] = field(default_factory=list)
    group_order: list[str] = field(default_factory=list)

    def walk(
        self,
        model: type[BaseModel],
        prefix: str,
        conditions: list[dict[str, Any]],
        group: str | None,
    ) -> None:
        for name, info in model.model_fields.items():
            self.add_field(f"{prefix}{info.alias or name}", info, conditions, group)

    def add_field(
        self,
        path: str,
        info: FieldInfo,
        conditions: list[dict[str, Any]],
        group: str | None,
    ) -> None:
        hints = _hints(info)
        group = hints.get("group") or group or "input"
        own = [hints["condition"]] if "condition" in hints else []
        annotation, nullable = _strip_optional(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.walk(annotation, f"{path}.", conditions + own, group)
            return
        variants = _model_variants(annotation)
        if variants is not None:
            self.add_variants(path, info, variants, conditions + own, group)
            return
        self.note_group(group)
        prop = self.scalar_property(path, info, annotation, nullable, hints, group)
        all_conditions = conditions + own
        if len(all_conditions) == 1:
            prop["condition"] = all_conditions[0]
        elif all_conditions:
            prop["condition"] = {"allMatch": all_conditions}
        self.properties.append(prop)

    def add_variants(
        self,
        path: str,
        info: FieldInfo,
        variants: list[type[BaseModel]],
        conditions: list[dict[str, Any]],
        group: str,
    ) -> None:
        """A union of models becomes a Dropdown on their shared Literal discriminator field,
        with each model's other fields shown only when it is chosen (Camunda's sealed types)."""
        discriminator = info.discriminator if isinstance(info.discriminator, str) else None
        key = discriminator or _shared_literal_field(variants)
        if key is None:
            raise TypeError(
                f"{path}: a union of models needs a Literal field that tells them apart "
                "(set Field(discriminator=...))"
            )
        self.note_group(group)
        hints = _hints(info)
        choices = []
        for variant in variants:
            tag_info = variant.model_fields[key]
            values = _literal_values(tag_info.annotation) or []
            labels = _hints(tag_info).get("choices", {})
            title = variant.model_config.get("title")
            for value in values:
                choices.append(
                    {"name": labels.get(value, title or _label(str(value))), "value": value}
                )
        tag_path = f"{path}.{key}"
        dropdown: dict[str, Any] = {
            "id": tag_path,
            "label": hints.get("label") or info.title or _label(path.rsplit(".", 1)[-1]),
            "group": group,
            "type": "Dropdown",
            "choices": choices,
            "value": choices[0]["value"],
            "binding": {"type": "zeebe:input", "name": tag_path},
        }
        if info.description:
            dropdown["description"] = info.description
        if conditions:
            dropdown["condition"] = (
                conditions[0] if len(conditions) == 1 else {"allMatch": conditions}
            )
        self.properties.append(dropdown)
        for variant in variants:
            values = _literal_values(variant.model_fields[key].annotation) or []
            chosen: dict[str, Any] = (
                {"property": tag_path, "equals": values[0]}
                if len(values) == 1
                else {"property": tag_path, "oneOf": values}
            )
            for name, sub in variant.model_fields.items():
                if name == key:
                    continue
                self.add_field(f"{path}.{sub.alias or name}", sub, [*conditions, chosen], group)

    def scalar_property(
        self,
        path: str,
        info: FieldInfo,
        annotation: Any,
        nullable: bool,
        hints: dict[str, Any],
        group: str,
    ) -> dict[str, Any]:
        prop: dict[str, Any] = {
            "id": path,
            "label": hints.get("label") or info.title or _label(path.rsplit(".", 1)[-1]),
            "group": group,
        }
        if info.description:
            prop["description"] = info.description
        kind, feel = _property_kind(annotation)
        kind = hints.get("type", kind)
        feel = hints.get("feel", feel)
        prop["type"] = kind
        values = _literal_values(annotation)
        if kind == "Dropdown":
            labels = hints.get("choices", {})
            prop["choices"] = [
                {"name": labels.get(value, _label(str(value))), "value": value}
                for value in values or []
            ]
            feel = None
        if feel and feel != "disabled" and kind != "Hidden":
            prop["feel"] = feel
        default = _json_default(info)
        if default is not None:
            prop["value"] = str(default) if kind in ("String", "Text", "Hidden") else default
        elif kind == "Dropdown" and prop["choices"] and info.is_required():
            prop["value"] = prop["choices"][0]["value"]
        for key in ("placeholder", "tooltip"):
            if key in hints:
                prop[key] = hints[key]
        if hints.get("secret") and "tooltip" not in prop:
            prop["tooltip"] = "Use a secret reference such as {{secrets.MY_SECRET}}."
        required = info.is_required() and not nullable
        if kind in ("String", "Text"):
            constraints = _text_constraints(info, annotation, required, hints)
            if constraints and not required:
                # the schema wants an optional property's constraints to say notEmpty: false
                constraints = {"notEmpty": False, **constraints}
            if constraints:
                prop["constraints"] = constraints
        if not required and kind not in ("Boolean", "Hidden"):
            # Camunda's meaning: leave the input mapping out when the field is empty
            prop["optional"] = True
        prop["binding"] = {"type": "zeebe:input", "name": path}
        return prop

    def note_group(self, group: str) -> None:
        if group not in self.group_order:
            self.group_order.append(group)


def _text_constraints(
    info: FieldInfo, annotation: Any, required: bool, hints: dict[str, Any]
) -> dict[str, Any]:
    """The template constraints of a text field, as Camunda's generator derives them from
    @NotEmpty, @Size and @Pattern: a required field must not be empty, and a `str` field's
    `min_length`, `max_length` and `pattern` become `minLength`, `maxLength` and `pattern`
    (which the Modeler checks on literal text, not on FEEL)."""
    constraints: dict[str, Any] = {"notEmpty": True} if required else {}
    rules = list(info.metadata)
    if get_origin(annotation) is Annotated:  # `Annotated[str, StringConstraints(...)] | None`
        annotation, *more = get_args(annotation)
        rules += more
    if not (isinstance(annotation, type) and issubclass(annotation, str)):
        return constraints  # a list or map typed as FEEL text: lengths would measure FEEL
    for rule in rules:
        min_length = getattr(rule, "min_length", None)
        max_length = getattr(rule, "max_length", None)
        pattern = getattr(rule, "pattern", None)
        if isinstance(min_length, int):
            constraints["minLength"] = min_length
        if isinstance(max_length, int):
            constraints["maxLength"] = max_length
        if isinstance(pattern, re.Pattern):
            pattern = pattern.pattern
        if isinstance(pattern, str):
            message = hints.get("pattern_message") or f"must match {pattern}"
            constraints["pattern"] = {"value": pattern, "message": message}
    return constraints


def _shared_literal_field(variants: list[type[BaseModel]]) -> str | None:
    for name, info in variants[0].model_fields.items():
        if _literal_values(info.annotation) is not None and all(
            name in v.model_fields and _literal_values(v.model_fields[name].annotation)
            for v in variants
        ):
            return name
    return None


def _property_kind(annotation: Any) -> tuple[str, str | None]:
    """(template property type, default FEEL mode) for a field's type, as Camunda's generator
    does: booleans are Boolean, enums and literals Dropdown, numbers Number, collections and
    free-form values need FEEL, everything else is a String that may use FEEL."""
    if annotation is bool:
        return "Boolean", "static"
    if _literal_values(annotation) is not None:
        return "Dropdown", None
    if annotation in (int, float) or (
        isinstance(annotation, type) and issubclass(annotation, int | float)
    ):
        return "Number", "static"
    origin = get_origin(annotation) or annotation
    if origin in (dict, list, tuple, set, Mapping, Sequence, typing.Any) or annotation is object:
        return "String", "required"
    return "String", "optional"


def generate_element_template(connector: OutboundConnector) -> dict[str, Any]:
    """The connector's element template (zeebe-element-templates-json-schema), with the standard
    groups and task headers Camunda's generated templates carry."""
    builder = _TemplateBuilder(connector)
    builder.walk(connector.input, "", [], None)
    labels = dict(connector.groups)
    groups = [{"id": gid, "label": labels.get(gid, _label(gid))} for gid in builder.group_order]
    groups += [
        {"id": "connector", "label": "Connector"},
        {"id": "output", "label": "Output mapping"},
        {"id": "error", "label": "Error handling"},
        {"id": "retries", "label": "Retries"},
    ]
    template_id = connector.element_template_id
    template: dict[str, Any] = {
        "$schema": TEMPLATE_SCHEMA_URL,
        "name": connector.name,
        "id": template_id,
        "version": connector.version,
        "description": connector.description,
        "category": {"id": "connectors", "name": "Connectors"},
        "appliesTo": ["bpmn:Task"],
        "elementType": {"value": "bpmn:ServiceTask"},
        "groups": groups,
        "properties": [
            {
                "value": connector.type,
                "binding": {"type": "zeebe:taskDefinition", "property": "type"},
                "type": "Hidden",
            },
            *builder.properties,
            *_standard_properties(template_id, connector.version),
        ],
    }
    if connector.documentation_ref:
        template["documentationRef"] = connector.documentation_ref
    if connector.icon:
        template["icon"] = {"contents": connector.icon}
    if not template["description"]:
        del template["description"]
    return template


def _header(key: str) -> dict[str, str]:
    return {"type": "zeebe:taskHeader", "key": key}


def _standard_properties(template_id: str, version: int) -> list[dict[str, Any]]:
    """The connector/output/error/retries properties of Camunda's generated templates."""
    docs = "https://docs.camunda.io/docs/components/connectors/use-connectors/"
    return [
        {
            "id": "version",
            "label": "Version",
            "description": "Version of the element template",
            "value": str(version),
            "group": "connector",
            "binding": _header("elementTemplateVersion"),
            "type": "Hidden",
        },
        {
            "id": "id",
            "label": "ID",
            "description": "ID of the element template",
            "value": template_id,
            "group": "connector",
            "binding": _header("elementTemplateId"),
            "type": "Hidden",
        },
        {
            "id": "resultVariable",
            "label": "Result variable",
            "description": f'Name of variable to store the response in. <a href="{docs}'
            '#result-variable" target="_blank">Documentation</a>',
            "group": "output",
            "binding": _header("resultVariable"),
            "type": "String",
        },
        {
            "id": "resultExpression",
            "label": "Result expression",
            "description": f'Expression to map the response into process variables. <a href="'
            f'{docs}#result-expression" target="_blank">Documentation</a>',
            "feel": "required",
            "group": "output",
            "binding": _header("resultExpression"),
            "type": "Text",
        },
        {
            "id": "errorExpression",
            "label": "Error expression",
            "description": f'Expression to handle errors. <a href="{docs}" target="_blank">'
            "Documentation</a>",
            "feel": "required",
            "group": "error",
            "binding": _header("errorExpression"),
            "type": "Text",
        },
        {
            "id": "retryCount",
            "label": "Retries",
            "description": "Number of retries",
            "value": "3",
            "feel": "optional",
            "group": "retries",
            "binding": {"type": "zeebe:taskDefinition", "property": "retries"},
            "type": "String",
        },
        {
            "id": "retryBackoff",
            "label": "Retry backoff",
            "description": "ISO-8601 duration to wait between retries",
            "value": "PT30S",
            "group": "retries",
            "binding": _header("retryBackoff"),
            "type": "String",
        },
    ]


__all__ = [
    "TEMPLATE_SCHEMA_URL",
    "FeelMode",
    "PropertyType",
    "default_template_id",
    "generate_element_template",
    "ui",
]
