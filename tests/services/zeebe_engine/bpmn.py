"""Reading deployed BPMN with the standard library: enough to run a chain of job tasks.

What is read: processes, their none start event, sequence flows, each element's
`zeebe:taskDefinition` (type, retries), `zeebe:taskHeaders`, `zeebe:ioMapping` and error
boundary events with their `errorRef`. What is checked at deployment: the XML, element ids,
flows pointing at existing elements, a task definition with a type on every service task, and
that every mapping expression parses with our FEEL. Anything else a real broker validates is
not (docs/zeebe-broker.md lists it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.feel import FeelError, evaluate, parse, to_json

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
# Elements with a flow of their own; the rest of a process (diagram, documentation) is ignored.
FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateThrowEvent",
    "intermediateCatchEvent",
    "boundaryEvent",
    "task",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "scriptTask",
    "businessRuleTask",
    "userTask",
    "manualTask",
    "callActivity",
    "subProcess",
    "adHocSubProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
}


class DeploymentError(ValueError):
    """A resource a broker would refuse; the message names the resource and the element."""


@dataclass(frozen=True)
class IoMapping:
    source: str
    target: str


@dataclass
class Element:
    id: str
    kind: str  # the BPMN tag without namespace
    job_type: str = ""
    retries: str = "3"
    headers: dict[str, str] = field(default_factory=dict)
    inputs: list[IoMapping] = field(default_factory=list)
    outputs: list[IoMapping] = field(default_factory=list)
    event_definitions: list[str] = field(default_factory=list)
    error_ref: str | None = None  # boundary events: the bpmn:error caught ("" = any)
    attached_to: str = ""
    outgoing: list[str] = field(default_factory=list)  # target element ids


@dataclass
class Process:
    id: str
    elements: dict[str, Element]
    error_codes: dict[str, str]  # bpmn:error id -> errorCode
    key: int = 0
    version: int = 1
    resource_name: str = ""
    xml: bytes = b""  # the deployed resource, as GET /v2/process-definitions/{key}/xml gives it

    @property
    def start(self) -> Element | None:
        starts = [e for e in self.elements.values() if e.kind == "startEvent"]
        none_starts = [e for e in starts if not e.event_definitions]
        return none_starts[0] if none_starts else None

    def catcher(self, element_id: str, error_code: str) -> Element | None:
        """The error boundary on ELEMENT_ID that catches ERROR_CODE (a catch-all last)."""
        boundaries = [
            e
            for e in self.elements.values()
            if e.attached_to == element_id and e.error_ref is not None
        ]
        for boundary in boundaries:
            if boundary.error_ref and self.error_codes.get(boundary.error_ref) == error_code:
                return boundary
        return next((b for b in boundaries if not b.error_ref), None)


def read_resource(name: str, content: bytes) -> list[Process]:
    """The processes in one deployed resource, or DeploymentError naming what is wrong."""
    if not name.endswith((".bpmn", ".xml")):
        raise DeploymentError(f"'{name}': the test engine deploys BPMN only")
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise DeploymentError(f"'{name}': not well-formed XML: {exc}") from None
    if root.tag != f"{BPMN}definitions":
        raise DeploymentError(f"'{name}': the root element is not bpmn:definitions")
    errors = {e.get("id", ""): e.get("errorCode", "") for e in root.iter(f"{BPMN}error")}
    processes = [_process(name, p, errors) for p in root.findall(f"{BPMN}process")]
    if not processes:
        raise DeploymentError(f"'{name}': no bpmn:process in it")
    return processes


def _process(name: str, node: ET.Element, errors: dict[str, str]) -> Process:
    process_id = node.get("id") or ""
    if not process_id:
        raise DeploymentError(f"'{name}': a process without an id")
    elements: dict[str, Element] = {}
    for child in node.iter():
        kind = child.tag.removeprefix(BPMN)
        if kind in FLOW_NODES and child.get("id"):
            elements[child.get("id", "")] = _element(name, child, kind)
    for flow in node.iter(f"{BPMN}sequenceFlow"):
        source, target = flow.get("sourceRef", ""), flow.get("targetRef", "")
        if source not in elements or target not in elements:
            raise DeploymentError(
                f"'{name}': sequence flow '{flow.get('id')}' connects unknown elements "
                f"'{source}' -> '{target}'"
            )
        elements[source].outgoing.append(target)
    if not any(e.kind == "startEvent" for e in elements.values()):
        raise DeploymentError(f"'{name}': process '{process_id}' must have a start event")
    return Process(process_id, elements, errors)


def _element(name: str, node: ET.Element, kind: str) -> Element:
    element = Element(node.get("id", ""), kind, attached_to=node.get("attachedToRef", ""))
    element.event_definitions = [
        c.tag.removeprefix(BPMN) for c in node if c.tag.endswith("EventDefinition")
    ]
    error = node.find(f"{BPMN}errorEventDefinition")
    if kind == "boundaryEvent" and error is not None:
        element.error_ref = error.get("errorRef", "")
    definition = node.find(f".//{ZEEBE}taskDefinition")
    if definition is not None:
        element.job_type = definition.get("type", "")
        element.retries = definition.get("retries", "3")
    where = f"'{name}': element '{element.id}'"
    if kind == "serviceTask" and not element.job_type:
        raise DeploymentError(f"{where}: a service task needs zeebe:taskDefinition with a type")
    for header in node.iterfind(f".//{ZEEBE}header"):
        element.headers[header.get("key", "")] = header.get("value", "")
    for tag, into in (("input", element.inputs), ("output", element.outputs)):
        for mapping in node.iterfind(f".//{ZEEBE}{tag}"):
            into.append(_mapping(where, tag, mapping))
    return element


def _mapping(where: str, tag: str, node: ET.Element) -> IoMapping:
    source, target = node.get("source", ""), node.get("target", "")
    if not target:
        raise DeploymentError(f"{where}: a zeebe:{tag} without a target")
    if source.startswith("="):
        try:
            parse(source[1:])
        except FeelError as exc:
            raise DeploymentError(f"{where}: {tag} '{target}': {exc}") from None
    return IoMapping(source, target)


def expression_value(source: str, context: Mapping[str, Any]) -> Any:
    """A mapping source or attribute: FEEL after "=", else the static string (as Zeebe)."""
    if not source.startswith("="):
        return source
    return to_json(evaluate(source[1:], context, unknown_functions="null"))


def apply_mappings(mappings: list[IoMapping], context: dict[str, Any]) -> dict[str, Any]:
    """Each mapping evaluated in order (later ones see earlier targets); nested targets such as
    `authentication.type` merge into a context, as Zeebe's do. Returns the targets set."""
    result: dict[str, Any] = {}
    for mapping in mappings:
        value = expression_value(mapping.source, {**context, **result})
        *path, last = mapping.target.split(".")
        scope = result
        for part in path:
            existing = scope.get(part, context.get(part) if scope is result else None)
            scope[part] = dict(existing) if isinstance(existing, dict) else {}
            scope = scope[part]
        scope[last] = value
    return result
