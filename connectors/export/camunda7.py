"""Element templates for Camunda 7's built-in connectors (`http-connector`, `soap-http-connector`).

Camunda 7 runs connectors inside the engine: a service task holds a `camunda:connector` with a
`connectorId` and the connector's own input/output parameters. The Camunda 7 element-templates
schema (@camunda/element-templates-json-schema) describes that nested element with a
`camunda:Connector` scope, so the Camunda 7 Modeler shows the same low-code form the hub shows
for Camunda 8. The templates are checked against a copy of that schema (0.22.1, MIT licence
beside it).

Headers are a Map in Camunda 7's HTTP connectors, which a template can only produce through a
script; Groovy is used because Camunda 7's distributions ship it, and a Groovy map literal is
exactly the `Map<String, String>` the connector reads.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

SCHEMA_PACKAGE = "@camunda/element-templates-json-schema"
SCHEMA_VERSION = "0.22.1"
SCHEMA_FILE = Path(__file__).parent / "schema" / f"element-templates-{SCHEMA_VERSION}.json"
SCHEMA_URI = "https://unpkg.com/@camunda/element-templates-json-schema/resources/schema.json"
TEMPLATE_VERSION = 1
HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
ENGINE_DOCS = "https://docs.camunda.org/manual/latest/reference/connect/"


def camunda7_templates() -> list[dict[str, Any]]:
    """The Camunda 7 templates the hub exports, newest first."""
    return [http_connector_template(), soap_connector_template()]


def is_camunda7(template: dict[str, Any]) -> bool:
    """Whether `$schema` names the Camunda 7 schema (the Zeebe one has its own package)."""
    schema = str(template.get("$schema", ""))
    return "/@camunda/element-templates-json-schema" in schema


def http_connector_template() -> dict[str, Any]:
    return _template(
        template_id="io.connectorhub.camunda7.HttpConnector",
        name="HTTP connector (Camunda 7)",
        description="Calls an HTTP endpoint with Camunda 7's built-in http-connector.",
        connector_id="http-connector",
        documentation="http-connector/",
        inputs=[
            _dropdown("method", "Method", HTTP_METHODS, "GET"),
            _input("url", "URL", "String", required=True, placeholder="https://example.com/api"),
            _headers('["Content-Type": "application/json", "Accept": "application/json"]'),
            _input(
                "payload",
                "Payload",
                "Text",
                description="Request body; ${...} expressions are resolved by the engine.",
            ),
        ],
        outputs=[
            _output("response", "Response body variable", "${response}"),
            _output("statusCode", "Status code variable", "${statusCode}"),
        ],
    )


def soap_connector_template() -> dict[str, Any]:
    envelope = (
        '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">\n'
        "  <soap:Body>\n  </soap:Body>\n</soap:Envelope>"
    )
    return _template(
        template_id="io.connectorhub.camunda7.SoapHttpConnector",
        name="SOAP connector (Camunda 7)",
        description="Posts a SOAP envelope with Camunda 7's built-in soap-http-connector.",
        connector_id="soap-http-connector",
        documentation="soap-http-connector/",
        inputs=[
            _input("url", "URL", "String", required=True, placeholder="https://example.com/soap"),
            _headers('["Content-Type": "application/soap+xml; charset=UTF-8", "SOAPAction": ""]'),
            _input("payload", "SOAP envelope", "Text", value=envelope, required=True),
        ],
        outputs=[_output("response", "Response envelope variable", "${response}")],
    )


def _template(
    *,
    template_id: str,
    name: str,
    description: str,
    connector_id: str,
    documentation: str,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
) -> dict[str, Any]:
    connector_id_property = {
        "label": "Connector id",
        "type": "Hidden",
        "value": connector_id,
        "binding": {"type": "property", "name": "connectorId"},
    }
    return {
        "$schema": SCHEMA_URI,
        "name": name,
        "id": template_id,
        "version": TEMPLATE_VERSION,
        "description": description,
        "documentationRef": ENGINE_DOCS + documentation,
        "appliesTo": ["bpmn:ServiceTask", "bpmn:SendTask"],
        "properties": [],
        "scopes": [
            {
                "type": "camunda:Connector",
                "properties": [connector_id_property, *inputs, *outputs],
            }
        ],
    }


def _input(
    name: str,
    label: str,
    kind: str,
    *,
    value: str | None = None,
    required: bool = False,
    description: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    prop: dict[str, Any] = {"label": label, "type": kind}
    if description:
        prop["description"] = description
    if placeholder:
        prop["placeholder"] = placeholder
    if value is not None:
        prop["value"] = value
    prop["binding"] = {"type": "camunda:inputParameter", "name": name}
    if required:
        prop["constraints"] = {"notEmpty": True}
    return prop


def _dropdown(name: str, label: str, values: list[str], default: str) -> dict[str, Any]:
    return {
        "label": label,
        "type": "Dropdown",
        "value": default,
        "choices": [{"name": value, "value": value} for value in values],
        "binding": {"type": "camunda:inputParameter", "name": name},
    }


def _headers(groovy_map: str) -> dict[str, Any]:
    return {
        "label": "Headers (Groovy map)",
        "description": 'A Groovy map literal, e.g. ["Authorization": "Bearer ${token}"].',
        "type": "Text",
        "value": groovy_map,
        "binding": {"type": "camunda:inputParameter", "name": "headers", "scriptFormat": "groovy"},
    }


def _output(variable: str, label: str, source: str) -> dict[str, Any]:
    return {
        "label": label,
        "description": f"Process variable that receives {source}; empty to drop it.",
        "type": "String",
        "value": variable,
        "binding": {"type": "camunda:outputParameter", "source": source},
    }


# -- validation --------------------------------------------------------------------------------


@cache
def _validator() -> Any:
    published = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # One template at a time, as for the Zeebe schema: the root also accepts arrays, and its
    # `oneOf` would hide every precise error behind "not valid under any of the schemas".
    root = {
        "$schema": published["$schema"],
        "definitions": published["definitions"],
        "$ref": "#/definitions/template",
    }
    return jsonschema_rs.validator_for(root)


def validate_camunda7(template: object) -> list[str]:
    """`["<pointer>: <message>", ...]` for every violation of the Camunda 7 schema ([] = valid)."""
    validator = _validator()
    if validator.is_valid(template):
        return []
    problems = []
    for error in validator.iter_errors(template):
        pointer = "/" + "/".join(str(part) for part in error.instance_path)
        problems.append(f"{pointer}: {error.message}")
    return problems
