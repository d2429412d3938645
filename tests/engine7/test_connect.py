"""The hub's Camunda 7 `http-connector` template (connectors.export.camunda7), applied to a
service task as the Camunda 7 Modeler writes it, runs on the engine's own connect plugin: the
request reaches a local HTTP server with the template's Groovy headers, and the output
parameters carry the response into the process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest

from connectors.export.camunda7 import http_connector_template
from tests.engine7.conftest import BPMN, CAMUNDA, unique
from tests.services.http_servers import RecordingServer, Reply
from tests.services.operaton import EngineRest

pytestmark = [pytest.mark.xdist_group("operaton"), pytest.mark.django_db]


def connector_process(process_id: str, template: dict[str, Any], values: Mapping[str, str]) -> str:
    """start -> service task with TEMPLATE's camunda:connector applied with VALUES (by binding
    name; the template's defaults for the rest, empty ones left out, as the Modeler does)."""
    [scope] = template["scopes"]
    connector_id = inputs = outputs = ""
    for prop in scope["properties"]:
        binding = prop["binding"]
        value = values.get(binding.get("name") or binding.get("source"), prop.get("value", ""))
        if binding["type"] == "property":
            connector_id = value
        elif binding["type"] == "camunda:inputParameter" and value:
            body = escape(value)
            if "scriptFormat" in binding:
                body = _element("script", body, scriptFormat=binding["scriptFormat"])
            inputs += _element("inputParameter", body, name=binding["name"])
        elif binding["type"] == "camunda:outputParameter" and value:
            outputs += _element("outputParameter", escape(binding["source"]), name=value)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:camunda="{CAMUNDA}" id="definitions"
    targetNamespace="https://connectorhub.test/engine7">
  <bpmn:process id={quoteattr(process_id)} isExecutable="true" camunda:historyTimeToLive="1">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="toTask" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task" camunda:modelerTemplate={quoteattr(template["id"])}>
      <bpmn:extensionElements>
        <camunda:connector>
          <camunda:inputOutput>{inputs}{outputs}</camunda:inputOutput>
          <camunda:connectorId>{escape(connector_id)}</camunda:connectorId>
        </camunda:connector>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toEnd" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _element(tag: str, body: str, **attributes: str) -> str:
    attrs = "".join(f" {name}={quoteattr(value)}" for name, value in attributes.items())
    return f"<camunda:{tag}{attrs}>{body}</camunda:{tag}>"


def test_the_http_connector_template_runs_on_the_engines_connect_plugin(engine: EngineRest) -> None:
    with RecordingServer() as server:
        server.route("/orders/7", Reply(json={"id": 7, "state": "shipped"}))
        process_id = unique("c7-connect")
        bpmn = connector_process(
            process_id, http_connector_template(), {"url": "${base}/orders/${orderId}"}
        )
        engine.deploy(process_id, bpmn)
        instance = engine.start(
            process_id,
            {
                "base": {"type": "String", "value": server.url},
                "orderId": {"type": "Integer", "value": 7},
            },
        )
        request = server.last("/orders/7")

    assert engine.state(instance) == "COMPLETED"  # the connector ran inside the start call
    assert request.method == "GET" and request.header("Accept") == "application/json"
    variables = engine.variables(instance)
    assert variables["statusCode"] == 200
    assert variables["response"].replace(" ", "") == '{"id":7,"state":"shipped"}'
