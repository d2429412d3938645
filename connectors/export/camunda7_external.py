"""Camunda 7 / Operaton exports for the hub's external task worker (docs/camunda7-worker.md).

`external_task_templates()` gives one for every registered connector;
`external_task_template(zeebe_template)` turns a connector's Zeebe element template into a
Camunda 7 one that the Camunda 7 Modeler applies to a service task as an external task the
worker serves: `camunda:type="external"` and `camunda:topic` = the job type (Hidden), each
`zeebe:input` a `camunda:inputParameter` of the same name (dotted names are nested again by
the worker), each task header and `zeebe:property` a `camunda:property` (the task's extension
properties, where the worker reads `resultVariable`, `resultExpression`, `errorExpression`,
`retryBackoff`), and the retry count the `retries` property. Values are text in Camunda 7: a
FEEL literal default (`=5`, `=true`, `="GET"`) becomes its text, another FEEL default is
dropped (Camunda 7 evaluates JUEL, `${...}`); the result and error expressions stay FEEL,
which the worker evaluates. Number fields become String fields, Boolean fields a true/false
Dropdown. A template using a binding with no Camunda 7 counterpart (messages, linked
resources, outputs) raises `Camunda7ExportError` with the reasons.

`external_task_bpmn(zeebe_template, values)` writes start -> external task -> end for a saved
configuration, from the same `bpmn_view` as the Zeebe export, so the two cannot disagree.
Both are checked against the Camunda 7 schema (`validate_camunda7`) and deployed on Operaton
in the tests.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from connectors.elementtemplates import ElementTemplate, bpmn_view
from connectors.export.camunda7 import SCHEMA_URI
from connectors.export.generated import complete_generated
from connectors.registry import Registry, default_registry

ID_SUFFIX = ".camunda7"
RETRIES_PROPERTY = "retries"  # read by connectors.engine7.tasks
HISTORY_TIME_TO_LIVE = "180"  # days; Camunda 7.20+ refuses processes without one by default
C7_TYPES = {"String", "Text", "Dropdown", "Hidden"}  # the rest (Number, ...) become String
TASK_BINDINGS = {"zeebe:taskDefinition", "zeebe:taskDefinition:type"}
PROPERTY_BINDINGS = {"zeebe:taskHeader": "key", "zeebe:property": "name"}
KEPT_KEYS = (
    "id",
    "label",
    "description",
    "group",
    "editable",
    "placeholder",
    "choices",
    "condition",
    "constraints",
    "tooltip",
)
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
FEEL_STRING = re.compile(r'^="((?:[^"\\]|\\.)*)"$')
FEEL_NUMBER_OR_BOOLEAN = re.compile(r"^=\s*(-?\d+(?:\.\d+)?|true|false)\s*$")


class Camunda7ExportError(ValueError):
    """The template cannot become a Camunda 7 external task template; `reasons` say why."""

    def __init__(self, label: str, reasons: list[str]) -> None:
        super().__init__(f"{label}: " + "; ".join(reasons))
        self.reasons = reasons


def external_task_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """The Camunda 7 external task template of a connector's Zeebe TEMPLATE."""
    label = f"{template.get('id')} v{template.get('version')}"
    reasons: list[str] = []
    applies = [t for t in template.get("appliesTo", []) if t == "bpmn:ServiceTask"]
    element = (template.get("elementType") or {}).get("value", "bpmn:ServiceTask")
    if element != "bpmn:ServiceTask" and "bpmn:Task" not in template.get("appliesTo", []):
        reasons.append(f"it is for {element}; external tasks are service tasks here")
    properties: list[dict[str, Any]] = []
    for prop in template.get("properties", []):
        properties.extend(_properties(prop, reasons))
    if not any(p["binding"].get("name") == "camunda:topic" for p in properties):
        reasons.append("it has no job type (zeebe:taskDefinition type) to use as the topic")
    if reasons:
        raise Camunda7ExportError(label, reasons)
    converted: dict[str, Any] = {
        "$schema": SCHEMA_URI,
        "name": f"{template.get('name')} (Camunda 7)",
        "id": f"{template.get('id')}{ID_SUFFIX}",
        "version": template.get("version", 1),
        "appliesTo": applies or ["bpmn:ServiceTask"],
        "properties": properties,
    }
    for key in ("description", "documentationRef", "icon", "groups"):
        if key in template:
            converted[key] = template[key]
    return converted


def external_task_templates(
    registry: Registry | None = None, *, base_url: str = ""
) -> list[dict[str, Any]]:
    """The Camunda 7 template of every registered connector (what the worker serves)."""
    return [
        external_task_template(
            complete_generated(
                c.element_template(), template_id=c.element_template_id, base_url=base_url
            )
        )
        for c in (registry or default_registry()).all()
    ]


def _properties(prop: Mapping[str, Any], reasons: list[str]) -> list[dict[str, Any]]:
    binding = dict(prop.get("binding") or {})
    kind = binding.get("type")
    if kind in TASK_BINDINGS:
        name = "type" if kind == "zeebe:taskDefinition:type" else binding.get("property")
        if name == "type":
            return [
                _hidden("camunda:type", "external", "property"),
                _hidden("camunda:topic", str(prop.get("value", "")), "property"),
            ]
        if name == "retries":
            return [_field(prop, {"type": "camunda:property", "name": RETRIES_PROPERTY})]
        reasons.append(f"task definition {name!r} has no Camunda 7 counterpart")
        return []
    if kind == "zeebe:input":
        return [_field(prop, {"type": "camunda:inputParameter", "name": binding.get("name")})]
    if kind in PROPERTY_BINDINGS:
        name = binding.get(PROPERTY_BINDINGS[kind])
        return [_field(prop, {"type": "camunda:property", "name": name}, keep_feel=True)]
    if kind == "property":
        return [_field(prop, binding)]
    reasons.append(f"binding {kind} has no Camunda 7 counterpart here")
    return []


def _hidden(name: str, value: str, binding: str) -> dict[str, Any]:
    return {"type": "Hidden", "value": value, "binding": {"type": binding, "name": name}}


def _field(
    prop: Mapping[str, Any], binding: dict[str, Any], keep_feel: bool = False
) -> dict[str, Any]:
    """PROP with BINDING, its type and value as Camunda 7 text (see the module docstring)."""
    field: dict[str, Any] = {k: prop[k] for k in KEPT_KEYS if k in prop}
    kind = prop.get("type", "String")
    field["type"] = {"Boolean": "Dropdown"}.get(kind, kind if kind in C7_TYPES else "String")
    if binding["type"] == "camunda:property" and field["type"] == "Text":
        field["type"] = "String"  # the schema allows no Text for an extension property
    if kind == "Boolean":
        field["choices"] = [{"name": "true", "value": "true"}, {"name": "false", "value": "false"}]
    if "value" in prop:
        value = _text(prop["value"], keep_feel)
        if value is not None:
            field["value"] = value
        elif field["type"] == "Hidden":  # nothing Camunda 7 could evaluate: leave it unset
            return {**field, "value": "", "binding": binding}
    if field["type"] == "Dropdown" and kind == "Boolean" and "value" not in field:
        field["value"] = "false"
    field["binding"] = binding
    return field


def _text(value: Any, keep_feel: bool = False) -> str | None:
    """VALUE as the text Camunda 7 stores, or None for a FEEL expression it cannot evaluate."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if keep_feel or not text.startswith("="):
        return text
    if match := FEEL_STRING.match(text):
        return str(json.loads(f'"{match.group(1)}"', strict=False))
    if match := FEEL_NUMBER_OR_BOOLEAN.match(text):
        return match.group(1)
    return None


# -- BPMN -----------------------------------------------------------------------------------


def external_task_bpmn(
    template: ElementTemplate | Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    *,
    process_id: str | None = None,
    process_name: str | None = None,
) -> str:
    """Start -> external task -> end for TEMPLATE (a Zeebe template) with VALUES.

    Raises Camunda7ExportError naming each field whose value is a FEEL expression that is not
    a literal (Camunda 7 evaluates `${...}`: write that in the Modeler instead)."""
    model = (
        template if isinstance(template, ElementTemplate) else ElementTemplate.from_dict(template)
    )
    view = bpmn_view(model, values)
    topic = view.task_definition.get("type", "")
    reasons = [] if topic else ["the template has no job type to use as the topic"]
    inputs: list[tuple[str, str]] = []
    for entry in view.inputs:
        text = _text(entry.get("source", ""))
        if text is None:
            reasons.append(f"input {entry['target']}: a FEEL expression ({entry['source']})")
        else:
            inputs.append((entry["target"], text))
    if reasons:
        raise Camunda7ExportError(model.name or model.id, reasons)
    properties = [(h["key"], h["value"]) for h in view.headers]
    properties += [(p["name"], p.get("value", "")) for p in view.properties]
    if "retries" in view.task_definition:
        properties.append((RETRIES_PROPERTY, view.task_definition["retries"]))
    return _process_xml(
        process_id or _ncname(f"Process_{model.id}"),
        process_name or model.name or model.id,
        topic,
        inputs,
        properties,
        model,
    )


def _process_xml(
    process_id: str,
    name: str,
    topic: str,
    inputs: list[tuple[str, str]],
    properties: list[tuple[str, str]],
    model: ElementTemplate,
) -> str:
    ET.register_namespace("bpmn", BPMN_NS)
    ET.register_namespace("camunda", CAMUNDA_NS)
    b, c = f"{{{BPMN_NS}}}", f"{{{CAMUNDA_NS}}}"
    definitions = ET.Element(
        f"{b}definitions", {"id": "Definitions_1", "targetNamespace": "http://bpmn.io/schema/bpmn"}
    )
    process = ET.SubElement(
        definitions,
        f"{b}process",
        {
            "id": process_id,
            "name": name,
            "isExecutable": "true",
            f"{c}historyTimeToLive": HISTORY_TIME_TO_LIVE,
        },
    )
    ET.SubElement(process, f"{b}startEvent", id="start")
    ET.SubElement(process, f"{b}sequenceFlow", id="toTask", sourceRef="start", targetRef="task")
    task = ET.SubElement(
        process,
        f"{b}serviceTask",
        {
            "id": "task",
            "name": model.name or model.id,
            f"{c}type": "external",
            f"{c}topic": topic,
            f"{c}modelerTemplate": f"{model.id}{ID_SUFFIX}",
            f"{c}modelerTemplateVersion": str(model.version or 1),
        },
    )
    extensions = ET.SubElement(task, f"{b}extensionElements")
    if properties:
        holder = ET.SubElement(extensions, f"{c}properties")
        for key, value in properties:
            ET.SubElement(holder, f"{c}property", name=key, value=value)
    if inputs:
        io = ET.SubElement(extensions, f"{c}inputOutput")
        for target, text in inputs:
            ET.SubElement(io, f"{c}inputParameter", name=target).text = text
    ET.SubElement(process, f"{b}sequenceFlow", id="toEnd", sourceRef="task", targetRef="end")
    ET.SubElement(process, f"{b}endEvent", id="end")
    ET.indent(definitions, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(definitions, "unicode") + "\n"


def _ncname(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"
