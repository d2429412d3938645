"""The inbound elements of a BPMN document (Camunda's ProcessDefinitionInspector).

An element is inbound when it is a start event, an intermediate catch event, a boundary event
or a receive task (also inside sub-processes) whose `zeebe:properties` hold `inbound.type`.
Its correlation point follows from the element: a none start event creates an instance; a
message start event, a catch event, a boundary event or a receive task publishes the message
its message definition names. Catch events, boundary events and receive tasks need a
`correlationKeyExpression`; an element without one is reported, not activated (as Camunda's
InvalidInboundConnectorDefinitionException).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from connectors.inbound.keywords import CORRELATION_KEY_EXPRESSION, INBOUND_TYPE
from connectors.inbound.models import ElementKind

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
ELIGIBLE = ("startEvent", "intermediateCatchEvent", "boundaryEvent", "receiveTask")


class BpmnError(ValueError):
    """The document cannot be read as BPMN; the message says where."""


@dataclass(frozen=True)
class ElementSpec:
    """One inbound element as deployed: what the lifecycle stores in an InboundElement."""

    process_id: str
    element_id: str
    element_name: str
    kind: str  # an ElementKind value
    properties: dict[str, str]
    message_name: str = ""
    problem: str = ""  # why it cannot be activated, if it cannot
    template: dict[str, str] = field(default_factory=dict)  # modelerTemplate and its version
    # the element an instance is active at while this one's subscription is open: itself, the
    # activity a boundary event is attached to, or the event-based gateway before a catch event
    waits_at: str = ""

    @property
    def inbound_type(self) -> str:
        return self.properties.get(INBOUND_TYPE, "")


def process_ids(xml: str | bytes) -> list[str]:
    """The ids of the executable processes in XML (for a deployment's check)."""
    root = _root(xml)
    return [p.get("id", "") for p in root.findall(f"{BPMN}process") if p.get("id")]


def inbound_elements(xml: str | bytes, process_id: str) -> list[ElementSpec]:
    """The inbound elements of PROCESS_ID in XML, in document order."""
    root = _root(xml)
    messages = {m.get("id", ""): m.get("name", "") for m in root.iter(f"{BPMN}message")}
    for process in root.findall(f"{BPMN}process"):
        if process.get("id") == process_id:
            gateways = _event_gateway_targets(process)
            return [
                spec
                for node in process.iter()
                if node.tag.removeprefix(BPMN) in ELIGIBLE
                and (spec := _element(process_id, node, messages, gateways)) is not None
            ]
    return []


def _root(xml: str | bytes) -> ET.Element:
    try:
        # expat (2.4.1 and later, as Python bundles it) never fetches external entities and
        # stops entity expansion bombs, the two attacks defusedxml guards against here.
        root = ET.fromstring(xml)  # noqa: S314
    except ET.ParseError as exc:
        raise BpmnError(f"not well-formed XML: {exc}") from None
    if root.tag != f"{BPMN}definitions":
        raise BpmnError("the root element is not bpmn:definitions")
    return root


def properties_of(node: ET.Element) -> dict[str, str]:
    """`zeebe:property` name -> value of the element's own extension elements; the first of
    duplicate names wins, as Camunda's getRawProperties keeps it."""
    found: dict[str, str] = {}
    extensions = node.find(f"{BPMN}extensionElements")
    if extensions is None:
        return found
    for group in extensions.findall(f"{ZEEBE}properties"):
        for prop in group.findall(f"{ZEEBE}property"):
            name, value = prop.get("name"), prop.get("value")
            if name and value is not None:
                found.setdefault(name, value)
    return found


def _event_gateway_targets(process: ET.Element) -> dict[str, str]:
    """Catch event id -> the event-based gateway before it: while an instance waits there,
    the gateway is the active element, not the event."""
    gateways = {g.get("id", "") for g in process.iter(f"{BPMN}eventBasedGateway")}
    return {
        flow.get("targetRef", ""): flow.get("sourceRef", "")
        for flow in process.iter(f"{BPMN}sequenceFlow")
        if flow.get("sourceRef") in gateways
    }


def _element(
    process_id: str, node: ET.Element, messages: dict[str, str], gateways: dict[str, str]
) -> ElementSpec | None:
    properties = properties_of(node)
    if INBOUND_TYPE not in properties:
        return None
    tag = node.tag.removeprefix(BPMN)
    definition = node.find(f"{BPMN}messageEventDefinition")
    if tag == "receiveTask":
        message_ref = node.get("messageRef", "")
    else:
        message_ref = definition.get("messageRef", "") if definition is not None else ""
    kind = _kind(tag, has_message=definition is not None)
    message_name = messages.get(message_ref, "")
    problem = ""
    if kind != ElementKind.START_EVENT and not message_name:
        problem = f"{tag} '{node.get('id')}' has no message with a name"
    needs_key = kind not in (ElementKind.START_EVENT, ElementKind.MESSAGE_START_EVENT)
    if needs_key and not properties.get(CORRELATION_KEY_EXPRESSION, "").strip():
        problem = f"Missing required property {CORRELATION_KEY_EXPRESSION}"
    template = {
        key: node.get(f"{ZEEBE}{key}", "")
        for key in ("modelerTemplate", "modelerTemplateVersion")
        if node.get(f"{ZEEBE}{key}")
    }
    element_id = node.get("id", "")
    waits_at = node.get("attachedToRef", "") if tag == "boundaryEvent" else ""
    return ElementSpec(
        process_id=process_id,
        element_id=element_id,
        element_name=node.get("name", ""),
        kind=kind,
        properties=properties,
        message_name=message_name,
        problem=problem,
        template=template,
        waits_at=waits_at or gateways.get(element_id, element_id),
    )


def _kind(tag: str, *, has_message: bool) -> str:
    if tag == "startEvent":
        return ElementKind.MESSAGE_START_EVENT if has_message else ElementKind.START_EVENT
    return {
        "intermediateCatchEvent": ElementKind.INTERMEDIATE_CATCH,
        "boundaryEvent": ElementKind.BOUNDARY,
        "receiveTask": ElementKind.RECEIVE_TASK,
    }[tag]
