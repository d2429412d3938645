"""A ready-to-deploy BPMN file for one template and its values.

The process is the smallest one that runs: start event -> the templated element -> end event (a
templated start event starts the process itself; a templated boundary event sits on a user task,
HOST_ID, that waits, and leads to an end event of its own: the Modeler only lets a boundary event
exist attached to an activity). The templated element carries what the Modeler
writes when it applies the template: the `zeebe:modelerTemplate*` attributes and the zeebe:
extension elements. Those come from `connectors.elementtemplates.bpmn_view`, the same
translation the form, the dry-run and the job use, so the file cannot disagree with them. BPMN DI
is included so that the Modeler draws the diagram when the file is opened.
"""

from __future__ import annotations

import itertools
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.credentials.references import referenced_name
from connectors.elementtemplates import (
    BpmnTask,
    ElementTemplate,
    Property,
    Resolved,
    field_key,
    resolve,
)
from connectors.elementtemplates.values import xml_text

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
MODELER_NS = "http://camunda.org/schema/modeler/1.0"
NAMESPACES = {
    "bpmn": BPMN_NS,
    "bpmndi": BPMNDI_NS,
    "dc": DC_NS,
    "di": DI_NS,
    "zeebe": ZEEBE_NS,
    "modeler": MODELER_NS,
}
# The engine the file is written for: the Modeler shows it and picks its Camunda 8 editor.
EXECUTION_PLATFORM = ("Camunda Cloud", "8.6.0")

# Bindings this writer knows how to place in the XML.
SUPPORTED_BINDINGS = frozenset(
    {
        "property",
        "zeebe:taskDefinition",
        "zeebe:taskDefinition:type",
        "zeebe:input",
        "zeebe:output",
        "zeebe:taskHeader",
        "zeebe:property",
        "bpmn:Message#property",
        "bpmn:Message#zeebe:subscription#property",
        "zeebe:linkedResource",
    }
)
TASK_TYPES = frozenset(
    {
        "bpmn:Task",
        "bpmn:ServiceTask",
        "bpmn:SendTask",
        "bpmn:ReceiveTask",
        "bpmn:ScriptTask",
        "bpmn:BusinessRuleTask",
        "bpmn:UserTask",
    }
)
EVENT_TYPES = frozenset(
    {
        "bpmn:StartEvent",
        "bpmn:EndEvent",
        "bpmn:IntermediateCatchEvent",
        "bpmn:IntermediateThrowEvent",
        "bpmn:BoundaryEvent",
    }
)
ELEMENT_ID = "connector"
HOST_ID = "host"  # the activity a templated boundary event is attached to
# Zeebe refuses to deploy these without a value.
VALUE_REQUIRED_BINDINGS = frozenset(
    {"zeebe:input", "zeebe:output", "bpmn:Message#zeebe:subscription#property"}
)

for _prefix, _uri in NAMESPACES.items():
    # ElementTree keeps prefixes in one process-wide table; these are the prefixes every
    # Camunda tool writes, so registering them changes nothing for anyone else.
    ET.register_namespace(_prefix, _uri)


class BpmnExportError(ValueError):
    """The template cannot be turned into a runnable process; `reasons` says why."""

    def __init__(self, template_label: str, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(f"{template_label}: " + "; ".join(reasons))


@dataclass(frozen=True)
class _Layout:
    """Where the three nodes are drawn: a left-to-right row, as the Modeler lays it out."""

    y: int = 100

    def bounds(self, index: int, is_event: bool) -> tuple[int, int, int, int]:
        x = 150 + index * 170
        if is_event:
            return x + 32, self.y - 18, 36, 36
        return x, self.y - 40, 100, 80


def template_bpmn(
    template: ElementTemplate | Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    *,
    process_id: str | None = None,
    process_name: str | None = None,
) -> str:
    """The BPMN XML of a one-element process applying `template` with `values`.

    Raises `BpmnExportError` when the template targets an element that needs more than a
    straight start -> element -> end process (sub-processes) or uses a
    binding this writer does not place.
    """
    model = (
        template if isinstance(template, ElementTemplate) else ElementTemplate.from_dict(template)
    )
    resolved = resolve(model, values)
    _check_supported(model, resolved.active)
    target = model.target_type
    process_id = process_id or _ncname(f"Process_{model.id}")
    definitions = _definitions(model)
    process = _sub(
        definitions,
        "bpmn:process",
        id=process_id,
        name=process_name or model.name,
        isExecutable="true",
    )
    nodes = _flow_nodes(target)
    elements: dict[str, ET.Element] = {}
    for node_id, tag in nodes:
        elements[node_id] = _sub(process, tag, id=node_id)
    element = elements[ELEMENT_ID]
    _apply_template(definitions, element, model, resolved)
    if target == "bpmn:BoundaryEvent":
        element.set("attachedToRef", HOST_ID)
        # two paths: the host's, and the boundary event's own to its end
        main, boundary = [n for n, _ in nodes[:3]], [n for n, _ in nodes[3:]]
        flows = _connect(process, elements, main) + _connect(process, elements, boundary)
    else:
        flows = _connect(process, elements, [node_id for node_id, _ in nodes])
    _diagram(definitions, process_id, nodes, flows)
    ET.indent(definitions, space="  ")
    body = ET.tostring(definitions, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def unfilled_fields(
    template: ElementTemplate | Mapping[str, Any], values: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """`{field_key: label}` of active mappings that would be written without a value.

    The Modeler writes such an input as `<zeebe:input target="..."/>`, and Zeebe refuses to
    deploy it ("Expected expression but not found"); a message catch event without a correlation
    key is refused too. These fields must be filled in first.
    """
    model = (
        template if isinstance(template, ElementTemplate) else ElementTemplate.from_dict(template)
    )
    resolved = resolve(model, values)
    unfilled: dict[str, str] = {}
    for prop in resolved.active:
        if prop.binding.type not in VALUE_REQUIRED_BINDINGS or prop.optional:
            continue
        if xml_text(resolved.value_of(prop)) in (None, ""):
            unfilled[field_key(prop)] = prop.label or field_key(prop)
    return unfilled


def _check_supported(model: ElementTemplate, active: list[Property]) -> None:
    reasons: list[str] = []
    target = model.target_type
    if target not in TASK_TYPES and target not in EVENT_TYPES:
        reasons.append(
            f"a {target.removeprefix('bpmn:')} needs more than a start -> element -> end "
            "process; apply the template in the Modeler instead"
        )
    unsupported = sorted({p.binding.type for p in active} - SUPPORTED_BINDINGS)
    if unsupported:
        reasons.append("bindings not written by the BPMN export: " + ", ".join(unsupported))
    if reasons:
        label = model.id if model.version is None else f"{model.id} v{model.version}"
        raise BpmnExportError(label, reasons)


def _definitions(model: ElementTemplate) -> ET.Element:
    definitions = ET.Element(
        _qname("bpmn:definitions"),
        {
            "id": "Definitions_1",
            "targetNamespace": "http://bpmn.io/schema/bpmn",
            "exporter": "ConnectorHub",
            "exporterVersion": "1",
            _qname("modeler:executionPlatform"): EXECUTION_PLATFORM[0],
            _qname("modeler:executionPlatformVersion"): EXECUTION_PLATFORM[1],
        },
    )
    return definitions


def _flow_nodes(target: str) -> list[tuple[str, str]]:
    """(id, tag) of the process's nodes in flow order; the templated one is ELEMENT_ID."""
    tag = _bpmn_tag(target)
    if target == "bpmn:StartEvent":
        return [(ELEMENT_ID, tag), ("end", "bpmn:endEvent")]
    if target == "bpmn:EndEvent":
        return [("start", "bpmn:startEvent"), (ELEMENT_ID, tag)]
    if target == "bpmn:BoundaryEvent":
        # a user task waits, so the boundary event's subscription stays open while it does
        host = [("start", "bpmn:startEvent"), (HOST_ID, "bpmn:userTask"), ("end", "bpmn:endEvent")]
        return [*host, (ELEMENT_ID, tag), ("after", "bpmn:endEvent")]
    return [("start", "bpmn:startEvent"), (ELEMENT_ID, tag), ("end", "bpmn:endEvent")]


def _bpmn_tag(bpmn_type: str) -> str:
    local = bpmn_type.removeprefix("bpmn:")
    if bpmn_type == "bpmn:Task":
        local = "ServiceTask"  # an undefined task cannot carry a job; templates turn it into one
    return "bpmn:" + local[:1].lower() + local[1:]


def _apply_template(
    definitions: ET.Element,
    element: ET.Element,
    model: ElementTemplate,
    resolved: Resolved,
) -> None:
    """Attributes and extension elements, in the order the Modeler writes them."""
    element.set("name", model.name)
    element.set(_qname("zeebe:modelerTemplate"), model.id)
    if model.version is not None:
        element.set(_qname("zeebe:modelerTemplateVersion"), str(model.version))
    if model.icon is not None and model.icon.contents:
        element.set(_qname("zeebe:modelerTemplateIcon"), model.icon.contents)
    message: dict[str, Any] = {}
    subscription: dict[str, Any] = {}
    outputs: list[dict[str, str]] = []
    links: dict[str, dict[str, str]] = {}
    for prop in resolved.active:
        binding = prop.binding
        text = xml_text(resolved.value_of(prop))
        if binding.type == "property" and binding.name and text is not None:
            element.set(_attribute_name(binding.name), text)
        elif binding.type == "bpmn:Message#property" and binding.name and text is not None:
            message[binding.name] = text
        elif binding.type == "bpmn:Message#zeebe:subscription#property" and binding.name:
            if text is not None:
                subscription[binding.name] = text
        elif binding.type == "zeebe:linkedResource" and binding.link_name and binding.property:
            if text is not None:
                links.setdefault(binding.link_name, {"linkName": binding.link_name})
                links[binding.link_name][binding.property] = text
        elif binding.type == "zeebe:output" and (text or not prop.optional):
            outputs.append({"source": binding.source or "", **({"target": text} if text else {})})
    view = _view_of(resolved)
    extensions = ET.Element(_qname("bpmn:extensionElements"))
    if view.task_definition:
        _sub(extensions, "zeebe:taskDefinition", **view.task_definition)
    chosen = _configurations(resolved)
    if view.inputs or outputs:
        mapping = _sub(extensions, "zeebe:ioMapping")
        for entry in view.inputs:
            _sub(mapping, "zeebe:input", **entry, **chosen.get(("input", entry["target"]), {}))
        for entry in outputs:
            _sub(mapping, "zeebe:output", **entry)
    if view.headers:
        headers = _sub(extensions, "zeebe:taskHeaders")
        for entry in view.headers:
            _sub(headers, "zeebe:header", **entry)
    if view.properties:
        properties = _sub(extensions, "zeebe:properties")
        for entry in view.properties:
            stamp = chosen.get(("property", entry["name"]), {})
            _sub(properties, "zeebe:property", **entry, **stamp)
    if links:
        resources = _sub(extensions, "zeebe:linkedResources")
        for link in links.values():
            _sub(resources, "zeebe:linkedResource", **link)
    if len(extensions):
        element.append(extensions)
    needs_message = bool(message or subscription) or (
        model.element_type is not None
        and model.element_type.event_definition == "bpmn:MessageEventDefinition"
    )
    if needs_message:
        _message(definitions, element, message, subscription, model.target_type)


def _configurations(resolved: Resolved) -> dict[tuple[str, str], dict[str, str]]:
    """The metadata the 8.10 Modeler stamps on the input or property of a chosen configuration
    (bpmn-js-element-templates ConfigurationProperty; zeebe-bpmn-moddle ConfigurationSupported):
    the configuration template id and the configuration's name, beside `=camunda.vars.env.NAME`."""
    chosen: dict[tuple[str, str], dict[str, str]] = {}
    for prop in resolved.active:
        name = referenced_name(resolved.value_of(prop)) if prop.type == "Configuration" else None
        if name is None or not prop.binding.name or not prop.configuration_template:
            continue
        kind = "input" if prop.binding.type == "zeebe:input" else "property"
        chosen[(kind, prop.binding.name)] = {
            "modelerConfigurationTemplate": prop.configuration_template,
            "modelerConfigurationName": name,
        }
    return chosen


def _view_of(resolved: Resolved) -> BpmnTask:
    # `bpmn_view()` would resolve again and generate new ids for `generatedValue` properties;
    # the view of the resolution already made keeps attributes and extensions consistent.
    from connectors.elementtemplates.job import _view

    return _view(resolved)


def _message(
    definitions: ET.Element,
    element: ET.Element,
    attributes: dict[str, Any],
    subscription: dict[str, Any],
    target: str,
) -> None:
    """The message event definition, and a top-level bpmn:message when the template names one.

    A throwing message event implemented by a job worker (task definition) has no message of
    its own; Zeebe refuses a referenced message without a name.
    """
    definition_id = f"MessageEventDefinition_{uuid.uuid4().hex[:7]}"
    message_id = None
    if attributes or subscription:
        message_id = f"Message_{uuid.uuid4().hex[:7]}"
        message = ET.Element(_qname("bpmn:message"), {"id": message_id, **attributes})
        if subscription:
            extensions = _sub(message, "bpmn:extensionElements")
            _sub(extensions, "zeebe:subscription", **subscription)
        # Root elements come before the process in BPMN's sequence.
        definitions.insert(0, message)
    reference = {} if message_id is None else {"messageRef": message_id}
    if target == "bpmn:ReceiveTask":
        element.attrib.update(reference)
    elif target in EVENT_TYPES:
        _sub(element, "bpmn:messageEventDefinition", id=definition_id, **reference)


def _connect(
    process: ET.Element, elements: dict[str, ET.Element], order: list[str]
) -> list[tuple[str, str, str]]:
    """Sequence flows between consecutive nodes, with incoming/outgoing references."""
    flows = []
    for source, target in itertools.pairwise(order):
        flow_id = f"Flow_{source}_{target}"
        flows.append((flow_id, source, target))
        _insert_reference(elements[source], "bpmn:outgoing", flow_id)
        _insert_reference(elements[target], "bpmn:incoming", flow_id)
    for flow_id, source, target in flows:
        _sub(process, "bpmn:sequenceFlow", id=flow_id, sourceRef=source, targetRef=target)
    return flows


def _insert_reference(node: ET.Element, tag: str, flow_id: str) -> None:
    """incoming/outgoing sit after extensionElements and before event definitions."""
    reference = ET.Element(_qname(tag))
    reference.text = flow_id
    position = len(node)
    for index, child in enumerate(node):
        if child.tag == _qname("bpmn:messageEventDefinition"):
            position = index
            break
    node.insert(position, reference)


def _diagram(
    definitions: ET.Element,
    process_id: str,
    nodes: list[tuple[str, str]],
    flows: list[tuple[str, str, str]],
) -> None:
    diagram = _sub(definitions, "bpmndi:BPMNDiagram", id="BPMNDiagram_1")
    plane = _sub(diagram, "bpmndi:BPMNPlane", id="BPMNPlane_1", bpmnElement=process_id)
    layout = _Layout()
    boxes: dict[str, tuple[int, int, int, int]] = {}
    for index, (node_id, tag) in enumerate(nodes):
        box = layout.bounds(index, tag.endswith("Event"))
        if tag == "bpmn:boundaryEvent":  # on the host's lower edge, as the Modeler draws it
            hx, hy, _, hh = boxes[HOST_ID]
            box = (hx + 32, hy + hh - 18, 36, 36)
        elif node_id == "after":  # straight below the boundary event
            bx, by, _, _ = boxes[ELEMENT_ID]
            box = (bx, by + 100, 36, 36)
        boxes[node_id] = box
        shape = _sub(plane, "bpmndi:BPMNShape", id=f"{node_id}_di", bpmnElement=node_id)
        x, y, width, height = box
        _sub(shape, "dc:Bounds", x=str(x), y=str(y), width=str(width), height=str(height))
    for flow_id, source, target in flows:
        edge = _sub(plane, "bpmndi:BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
        sx, sy, sw, sh = boxes[source]
        tx, ty, _, _ = boxes[target]
        middle = sy + sh // 2
        if ty != sy:  # the boundary event's path: straight down
            _sub(edge, "di:waypoint", x=str(sx + sw // 2), y=str(sy + sh))
            _sub(edge, "di:waypoint", x=str(sx + sw // 2), y=str(ty))
            continue
        _sub(edge, "di:waypoint", x=str(sx + sw), y=str(middle))
        _sub(edge, "di:waypoint", x=str(tx), y=str(middle))


def _sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, _qname(tag), {k: v for k, v in attributes.items()})


def _qname(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"{{{NAMESPACES[prefix]}}}{local}"


def _attribute_name(name: str) -> str:
    """`name` stays plain; `zeebe:foo` goes into its namespace, as bpmn-moddle writes it."""
    prefix, sep, _ = name.partition(":")
    if sep and prefix in NAMESPACES:
        return _qname(name)
    return name


def _ncname(text: str) -> str:
    """A valid XML id (BPMN ids are NCNames): other characters become `_`."""
    cleaned = re.sub(r"[^\w.-]", "_", text, flags=re.ASCII)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"
