"""BPMN for the live-worker tests: the hub's exported REST process with an error boundary, and a
one-task process with task headers for the no-op connector."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import quoteattr

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
TASK_ID = "connector"  # the element id connectors.export.bpmn gives the templated task


def rest_process(process_id: str, values: Mapping[str, Any]) -> str:
    """The official REST template applied with VALUES, as the hub exports it."""
    from connectors.export import template_bpmn  # Django models: imported when used
    from tests.export.conftest import newest_rest_template

    return template_bpmn(newest_rest_template(), dict(values), process_id=process_id)


def add_error_boundary(bpmn_xml: str, error_code: str, outputs: Mapping[str, str]) -> str:
    """An interrupting error boundary on the templated task catching ERROR_CODE, leading to an
    end event of its own; OUTPUTS maps process variables to FEEL expressions."""
    root = ET.fromstring(bpmn_xml.split("?>", 1)[1])
    process = root.find(f"{{{BPMN}}}process")
    assert process is not None
    error = ET.Element(f"{{{BPMN}}}error", id="Error_caught", name="caught", errorCode=error_code)
    root.insert(list(root).index(process), error)
    boundary = ET.SubElement(
        process, f"{{{BPMN}}}boundaryEvent", id="caught", attachedToRef=TASK_ID
    )
    extension = ET.SubElement(boundary, f"{{{BPMN}}}extensionElements")
    mapping = ET.SubElement(extension, f"{{{ZEEBE}}}ioMapping")
    for target, source in outputs.items():
        ET.SubElement(mapping, f"{{{ZEEBE}}}output", source=source, target=target)
    ET.SubElement(boundary, f"{{{BPMN}}}outgoing").text = "toCaughtEnd"
    ET.SubElement(boundary, f"{{{BPMN}}}errorEventDefinition", errorRef="Error_caught")
    ET.SubElement(
        process,
        f"{{{BPMN}}}sequenceFlow",
        id="toCaughtEnd",
        sourceRef="caught",
        targetRef="caughtEnd",
    )
    end = ET.SubElement(process, f"{{{BPMN}}}endEvent", id="caughtEnd")
    ET.SubElement(end, f"{{{BPMN}}}incoming").text = "toCaughtEnd"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def task_process(
    process_id: str,
    job_type: str,
    *,
    headers: Mapping[str, str] | None = None,
    inputs: Mapping[str, str] | None = None,
    retries: int = 3,
) -> str:
    """start -> service task (job_type, task headers, input mappings) -> end."""
    header_xml = "".join(
        f"<zeebe:header key={quoteattr(k)} value={quoteattr(v)}/>"
        for k, v in (headers or {}).items()
    )
    input_xml = "".join(
        f"<zeebe:input source={quoteattr(s)} target={quoteattr(t)}/>"
        for t, s in (inputs or {}).items()
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:zeebe="{ZEEBE}"
    id="definitions" targetNamespace="https://connectorhub.test/zeebe-worker">
  <bpmn:process id={quoteattr(process_id)} isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="toTask" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type={quoteattr(job_type)} retries="{retries}"/>
        <zeebe:ioMapping>{input_xml}</zeebe:ioMapping>
        <zeebe:taskHeaders>{header_xml}</zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toEnd" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
