"""The ready BPMN file: one process, the template's zeebe: elements, DI, clear refusals."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from connectors.elementtemplates import ElementTemplate, bpmn_view
from connectors.export import BpmnExportError, template_bpmn
from connectors.export.bpmn import BPMN_NS, BPMNDI_NS, DC_NS, ZEEBE_NS
from tests.elementtemplates.corpus import corpus_template, corpus_templates
from tests.export.conftest import newest_rest_template

B, Z = f"{{{BPMN_NS}}}", f"{{{ZEEBE_NS}}}"
VALUES = {"method": "POST", "url": "https://api.example.com/orders", "body": "={id: orderId}"}


def parse(xml: str) -> ET.Element:
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(xml.encode())


def templated(root: ET.Element) -> ET.Element:
    return next(e for e in root.iter() if e.get(f"{Z}modelerTemplate"))


def test_rest_process_is_start_task_end_with_the_modelers_extension_elements():
    template = newest_rest_template()
    root = parse(template_bpmn(template, VALUES))

    process = root.find(f"{B}process")
    assert process.get("isExecutable") == "true"
    assert [child.tag.removeprefix(B) for child in process] == [
        "startEvent", "serviceTask", "endEvent", "sequenceFlow", "sequenceFlow",
    ]  # fmt: skip
    task = templated(root)
    assert task.get(f"{Z}modelerTemplate") == template["id"]
    assert task.get(f"{Z}modelerTemplateVersion") == str(template["version"])
    assert task.get(f"{Z}modelerTemplateIcon") == template["icon"]["contents"]
    view = bpmn_view(ElementTemplate.from_dict(template), VALUES)
    extensions = task.find(f"{B}extensionElements")
    assert dict(extensions.find(f"{Z}taskDefinition").attrib) == view.task_definition
    inputs = [dict(i.attrib) for i in extensions.iterfind(f"{Z}ioMapping/{Z}input")]
    headers = [dict(h.attrib) for h in extensions.iterfind(f"{Z}taskHeaders/{Z}header")]
    assert inputs == view.inputs and headers == view.headers
    assert {"source": "POST", "target": "method"} in inputs
    assert {"source": "={id: orderId}", "target": "body"} in inputs


def test_every_flow_node_and_flow_is_drawn():
    root = parse(template_bpmn(newest_rest_template()))

    process = root.find(f"{B}process")
    drawn = {
        e.get("bpmnElement"): e
        for e in root.iter()
        if e.tag.startswith(f"{{{BPMNDI_NS}}}") and e.get("bpmnElement")
    }
    assert set(drawn) == {process.get("id")} | {child.get("id") for child in process}
    for node in process:
        if node.tag == f"{B}sequenceFlow":
            assert len(drawn[node.get("id")].findall("{*}waypoint")) == 2
        else:
            bounds = drawn[node.get("id")].find(f"{{{DC_NS}}}Bounds")
            assert int(bounds.get("width")) > 0 and int(bounds.get("height")) > 0


def test_flows_reference_nodes_both_ways():
    root = parse(template_bpmn(newest_rest_template()))

    process = root.find(f"{B}process")
    nodes = {n.get("id"): n for n in process if n.tag != f"{B}sequenceFlow"}
    for flow in process.iterfind(f"{B}sequenceFlow"):
        source, target = nodes[flow.get("sourceRef")], nodes[flow.get("targetRef")]
        assert flow.get("id") in [o.text for o in source.iterfind(f"{B}outgoing")]
        assert flow.get("id") in [i.text for i in target.iterfind(f"{B}incoming")]


def test_values_with_markup_and_newlines_survive_as_text():
    values = {**VALUES, "body": "={text: \"<a & b>\n'c'\"}"}
    root = parse(template_bpmn(newest_rest_template(), values))

    body = next(i for i in root.iter(f"{Z}input") if i.get("target") == "body")
    assert body.get("source") == values["body"]


def test_an_inbound_message_start_event_gets_its_message_and_subscription():
    template = corpus_template("io.camunda.connectors.webhook.WebhookConnectorStartMessage.v1")
    root = parse(template_bpmn(template))

    start = templated(root)
    assert start.tag == f"{B}startEvent"
    definition = start.find(f"{B}messageEventDefinition")
    message = root.find(f"{B}message")
    assert definition.get("messageRef") == message.get("id")
    assert message.get("name")  # a generated id, as the Modeler writes it
    properties = {p.get("name") for p in start.iterfind(f"{B}extensionElements/{Z}properties/*")}
    assert "inbound.type" in properties
    assert [c.tag for c in root][:2] == [f"{B}message", f"{B}process"]


def test_elements_that_need_more_than_one_node_are_refused_with_reasons():
    ad_hoc = next(t for t in corpus_templates() if t["appliesTo"] == ["bpmn:SubProcess"])

    with pytest.raises(BpmnExportError) as refused:
        template_bpmn(ad_hoc)

    assert "needs more than a start -> element -> end" in refused.value.reasons[0]
    assert ad_hoc["id"] in str(refused.value)


def test_a_boundary_event_is_attached_to_a_waiting_task_with_its_own_path():
    boundary = next(t for t in corpus_templates() if t["appliesTo"] == ["bpmn:BoundaryEvent"])
    root = ET.fromstring(template_bpmn(boundary))
    process = root.find(f"{B}process")
    event = process.find(f"{B}boundaryEvent")
    assert event.get("attachedToRef") == process.find(f"{B}userTask").get("id")
    flows = {(f.get("sourceRef"), f.get("targetRef")) for f in process.iter(f"{B}sequenceFlow")}
    assert (event.get("id"), "after") in flows
    assert event.find(f"{B}incoming") is None  # a boundary event has no incoming flow


def test_no_op_connector_from_the_registry_gets_a_process_too():
    from connectors.registry import default_registry

    connector = default_registry().get("io.connectorhub:noop:1")
    root = parse(template_bpmn(connector.element_template(), {"echo": "=1 + 1"}))

    task = templated(root)
    assert task.find(f"{B}extensionElements/{Z}taskDefinition").get("type") == connector.type
    assert {"source": "=1 + 1", "target": "echo"} in [
        dict(i.attrib) for i in task.iter(f"{Z}input")
    ]


@pytest.mark.parametrize("template_id", ["io.camunda.connectors.Slack.v1"])
def test_other_outbound_connectors_work_the_same_way(template_id):
    template = corpus_template(template_id)
    task = templated(parse(template_bpmn(template)))

    assert task.get(f"{Z}modelerTemplate") == template_id
