"""Small BPMN processes with inbound elements, as the Modeler writes them from a template:
`zeebe:properties` on the element, the message on the definitions."""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import quoteattr


def _properties(properties: Mapping[str, str]) -> str:
    rows = "".join(
        f"<zeebe:property name={quoteattr(name)} value={quoteattr(value)}/>"
        for name, value in properties.items()
    )
    properties_xml = f"<zeebe:properties>{rows}</zeebe:properties>"
    return f"<bpmn:extensionElements>{properties_xml}</bpmn:extensionElements>"


def _definitions(process_id: str, body: str, messages: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    id="definitions" targetNamespace="https://connectorhub.test/inbound">
  {messages}
  <bpmn:process id={quoteattr(process_id)} isExecutable="true">{body}
  </bpmn:process>
</bpmn:definitions>
"""


def start_event_process(
    process_id: str, properties: Mapping[str, str], *, element_id: str = "start"
) -> str:
    """none start event (inbound) -> end."""
    body = f"""
    <bpmn:startEvent id={quoteattr(element_id)} name="Webhook">{_properties(properties)}
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="toEnd" sourceRef={quoteattr(element_id)} targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    return _definitions(process_id, body)


def catch_event_process(
    process_id: str, message_name: str, elements: Mapping[str, Mapping[str, str]]
) -> str:
    """start -> one intermediate message catch event per ELEMENTS entry (id -> properties),
    all waiting for MESSAGE_NAME, in a row -> end."""
    body = '\n    <bpmn:startEvent id="start"/>'
    previous = "start"
    for element_id, properties in elements.items():
        body += f"""
    <bpmn:sequenceFlow id="to_{element_id}" sourceRef="{previous}" targetRef="{element_id}"/>
    <bpmn:intermediateCatchEvent id={quoteattr(element_id)}>{_properties(properties)}
      <bpmn:messageEventDefinition messageRef="message"/>
    </bpmn:intermediateCatchEvent>"""
        previous = element_id
    body += f"""
    <bpmn:sequenceFlow id="toEnd" sourceRef="{previous}" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    message = f'<bpmn:message id="message" name={quoteattr(message_name)}/>'
    return _definitions(process_id, body, message)


def message_start_process(process_id: str, message_name: str, properties: Mapping[str, str]) -> str:
    """A message start event (inbound) -> end."""
    body = f"""
    <bpmn:startEvent id="start">{_properties(properties)}
      <bpmn:messageEventDefinition messageRef="message"/>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="toEnd" sourceRef="start" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    message = f'<bpmn:message id="message" name={quoteattr(message_name)}/>'
    return _definitions(process_id, body, message)


def start_and_catch_process(
    process_id: str,
    start: Mapping[str, str],
    catch: Mapping[str, str],
    *,
    message_name: str = "order-paid",
) -> str:
    """An inbound none start event -> the inbound message catch event `wait` -> end."""
    body = f"""
    <bpmn:startEvent id="start">{_properties(start)}</bpmn:startEvent>
    <bpmn:sequenceFlow id="toWait" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait">{_properties(catch)}
      <bpmn:messageEventDefinition messageRef="message"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="toEnd" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>"""
    message = f'<bpmn:message id="message" name={quoteattr(message_name)}/>'
    return _definitions(process_id, body, message)


def boundary_process(process_id: str, message_name: str, properties: Mapping[str, str]) -> str:
    """start -> user task `review`, with the inbound message boundary event `cancel` on it."""
    body = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="toReview" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review"/>
    <bpmn:sequenceFlow id="toEnd" sourceRef="review" targetRef="end"/>
    <bpmn:endEvent id="end"/>
    <bpmn:boundaryEvent id="cancel" attachedToRef="review">{_properties(properties)}
      <bpmn:messageEventDefinition messageRef="message"/>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="toCancelled" sourceRef="cancel" targetRef="cancelled"/>
    <bpmn:endEvent id="cancelled"/>"""
    message = f'<bpmn:message id="message" name={quoteattr(message_name)}/>'
    return _definitions(process_id, body, message)
