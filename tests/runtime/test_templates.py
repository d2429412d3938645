# ruff: noqa: E501 - expected templates read better unwrapped
"""Element templates generated from input models: shape checks, and validity according to the
pinned `@bpmn-io/element-templates-validator` (one node process for the whole batch)."""

from __future__ import annotations

import enum
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import pytest
from connectorhub_sdk import JSON, ConnectorContext, connector, ui
from pydantic import BaseModel, Field

from connectors.builtin.noop import noop
from connectors.configure import build_form
from connectors.elementtemplates import read_templates

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "tests" / "js" / "node_modules"


class Method(enum.Enum):
    GET = "GET"
    POST = "POST"


class NoAuth(BaseModel):
    type: Literal["noAuth"] = "noAuth"


class BearerAuth(BaseModel):
    model_config = {"title": "Bearer token"}
    type: Literal["bearer"]
    token: str = Field(description="The token", json_schema_extra=ui(secret=True))


class Timeouts(BaseModel):
    connect: int = Field(default=20, description="Seconds to connect")
    read: float | None = None


class RichInput(BaseModel):
    method: Method = Field(default=Method.GET, json_schema_extra=ui(group="endpoint"))
    url: str = Field(description="Where to send it", json_schema_extra=ui(group="endpoint"))
    authentication: NoAuth | BearerAuth = Field(
        default_factory=NoAuth, discriminator="type", json_schema_extra=ui(group="authentication")
    )
    body: dict[str, Any] | None = Field(
        default=None,
        json_schema_extra=ui(group="payload", condition={"property": "method", "equals": "POST"}),
    )
    verbose: bool = False
    timeouts: Timeouts = Field(default_factory=Timeouts, json_schema_extra=ui(group="advanced"))
    mode: Literal["fast", "safe"] = Field("safe", json_schema_extra=ui(choices={"fast": "Fast!"}))
    readTimeoutInSeconds: int = 20


@connector(
    type="acme:rich:2",
    name="Rich",
    input=RichInput,
    version=2,
    groups=[("endpoint", "HTTP endpoint")],
    documentation_ref="https://example.com/docs",
)
def rich(data: RichInput, context: ConnectorContext) -> JSON:
    return None


class ConstrainedInput(BaseModel):
    code: str = Field(
        pattern=r"^[A-Z]{3}$",
        json_schema_extra=ui(label="Code", pattern_message="must be three capital letters"),
    )
    name: str = Field(min_length=2, max_length=5, json_schema_extra=ui(label="Name"))
    note: str | None = Field(default=None, pattern=r"^\S+$", json_schema_extra=ui(label="Note"))


@connector(type="acme:constrained:1", name="Constrained", input=ConstrainedInput)
def constrained(data: ConstrainedInput, context: ConnectorContext) -> JSON:
    return None


def _plugin_connector() -> Any:
    sys.path.insert(0, str(ROOT / "examples" / "connectorhub-example-plugin" / "src"))
    try:
        from connectorhub_example_plugin import word_count
    finally:
        sys.path.pop(0)
    return word_count


def _by_id(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {prop["id"]: prop for prop in template["properties"] if "id" in prop}


def test_rich_model_becomes_camunda_style_properties() -> None:
    template = rich.element_template()
    assert template["id"] == "acme.rich" and template["version"] == 2
    assert template["elementType"] == {"value": "bpmn:ServiceTask"}
    assert template["properties"][0] == {
        "value": "acme:rich:2",
        "binding": {"type": "zeebe:taskDefinition", "property": "type"},
        "type": "Hidden",
    }
    props = _by_id(template)
    assert props["method"]["type"] == "Dropdown"
    assert props["method"]["choices"] == [
        {"name": "GET", "value": "GET"},
        {"name": "POST", "value": "POST"},
    ]
    assert props["method"]["value"] == "GET"
    assert props["url"]["constraints"] == {"notEmpty": True} and props["url"]["feel"] == "optional"
    assert props["authentication.type"]["choices"] == [
        {"name": "No auth", "value": "noAuth"}, {"name": "Bearer token", "value": "bearer"}
    ]  # fmt: skip
    assert props["authentication.token"]["binding"] == {
        "type": "zeebe:input",
        "name": "authentication.token",
    }
    assert props["authentication.token"]["condition"] == {
        "property": "authentication.type",
        "equals": "bearer",
    }
    assert props["body"]["feel"] == "required" and props["body"]["optional"] is True
    assert props["body"]["condition"] == {"property": "method", "equals": "POST"}
    assert props["verbose"]["type"] == "Boolean" and props["verbose"]["value"] is False
    assert (
        props["timeouts.connect"]["type"] == "Number" and props["timeouts.connect"]["value"] == 20
    )
    assert props["timeouts.connect"]["group"] == "advanced"
    assert props["mode"]["choices"] == [
        {"name": "Fast!", "value": "fast"},
        {"name": "Safe", "value": "safe"},
    ]
    assert props["readTimeoutInSeconds"]["label"] == "Read timeout in seconds"
    groups = [group["id"] for group in template["groups"]]
    assert groups == ["endpoint", "authentication", "payload", "input", "advanced",
                      "connector", "output", "error", "retries"]  # fmt: skip
    assert template["groups"][0] == {"id": "endpoint", "label": "HTTP endpoint"}
    for header in ("resultVariable", "resultExpression", "errorExpression", "retryBackoff"):
        assert props[header]["binding"] == {"type": "zeebe:taskHeader", "key": header}
    assert props["retryCount"]["binding"] == {"type": "zeebe:taskDefinition", "property": "retries"}


def test_fetch_variables_are_the_top_level_inputs() -> None:
    assert rich.fetch_variables == [
        "method", "url", "authentication", "body", "verbose", "timeouts", "mode", "readTimeoutInSeconds"
    ]  # fmt: skip


def test_union_without_discriminator_is_refused_with_the_field_named() -> None:
    class A(BaseModel):
        a: int

    class B(BaseModel):
        b: int

    class Bad(BaseModel):
        choice: A | B

    bad = connector(type="acme:bad:1", name="Bad", input=Bad)(lambda data, context: None)
    with pytest.raises(TypeError, match="choice: a union of models needs a Literal field"):
        bad.element_template()


def test_generated_templates_pass_the_element_templates_validator() -> None:
    assert (NODE_MODULES / "@bpmn-io").exists(), "run `npm ci` in tests/js (make test does)"
    templates = [
        noop.element_template(),
        rich.element_template(),
        _plugin_connector().element_template(),
        constrained.element_template(),
    ]
    script = (
        "import('@bpmn-io/element-templates-validator').then(({ validateZeebe }) => {"
        "  const templates = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "  const results = templates.map((t) => { const r = validateZeebe(t);"
        "    return { id: t.id, valid: r.valid, errors: (r.errors || []).map((e) => e.message) }; });"
        "  process.stdout.write(JSON.stringify(results)); });"
    )
    completed = subprocess.run(
        ["node", "-e", script], input=json.dumps(templates), capture_output=True, text=True,
        cwd=ROOT / "tests" / "js", check=True, timeout=60,
    )  # fmt: skip
    results = json.loads(completed.stdout)
    assert [(r["id"], r["valid"], r["errors"]) for r in results] == [
        (t["id"], True, []) for t in templates
    ]


def test_field_constraints_become_template_constraints() -> None:
    props = _by_id(constrained.element_template())
    assert props["code"]["constraints"] == {
        "notEmpty": True,
        "pattern": {"value": "^[A-Z]{3}$", "message": "must be three capital letters"},
    }
    assert props["name"]["constraints"] == {"notEmpty": True, "minLength": 2, "maxLength": 5}
    assert props["note"]["constraints"] == {
        "notEmpty": False,
        "pattern": {"value": "^\\S+$", "message": "must match ^\\S+$"},
    }
    assert props["note"]["optional"] is True


def test_the_form_of_a_generated_template_enforces_its_constraints() -> None:
    (template,) = read_templates(json.dumps([constrained.element_template()]))  # the validator
    ok = build_form(template, {"code": "ABC", "name": "Ada"})
    assert ok.ok, ok.errors
    form = build_form(template, {"code": "abc", "name": "A", "note": "two words"})
    assert form.errors["code"] == ["Code must be three capital letters"]
    assert form.errors["name"] == ["Name must have at least 2 characters."]
    assert form.errors["note"] == ["Note must match ^\\S+$"]
    assert build_form(template, {"code": "ABC", "name": "Adelaide"}).errors["name"] == [
        "Name must have at most 5 characters."
    ]
    assert build_form(template, {"name": "Ada"}).errors["code"] == ["Code must not be empty."]
