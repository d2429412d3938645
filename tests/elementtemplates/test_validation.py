"""Validation of the real corpus and of typical mistakes, with the messages a user sees."""

from __future__ import annotations

import collections
import json
from typing import Any

import pytest

from connectors.elementtemplates import (
    SCHEMA_VERSION,
    TemplateError,
    lint_template,
    validate_template,
    validate_templates,
)
from connectors.elementtemplates.schema_check import ecma_to_rust_regex, official_schema

from .corpus import CORPUS_VERSION, NODE_MODULES, corpus_files, corpus_template, corpus_templates

REST = "io.camunda.connectors.HttpJson.v2"


def test_corpus_counts() -> None:
    assert CORPUS_VERSION == "1.0.29"
    assert len(corpus_files()) == 131
    templates = corpus_templates()
    assert len(templates) == 693
    assert len({(t["id"], t.get("version")) for t in templates}) == 693
    assert len({t["id"] for t in templates}) == 139


def test_the_whole_corpus_validates_clean() -> None:
    assert validate_templates(list(corpus_templates())) == []


def test_the_shipped_schema_is_the_pinned_package() -> None:
    published = NODE_MODULES / "@camunda/zeebe-element-templates-json-schema"
    assert json.loads((published / "package.json").read_text())["version"] == SCHEMA_VERSION
    assert official_schema() == json.loads((published / "resources/schema.json").read_text())


def only(errors: list[TemplateError]) -> tuple[str, str]:
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0].pointer, errors[0].message


def rest() -> dict[str, Any]:
    return corpus_template(REST)


def index_of(template: dict[str, Any], prop_id: str) -> int:
    return next(i for i, p in enumerate(template["properties"]) if p.get("id") == prop_id)


def test_error_names_template_pointer_and_problem() -> None:
    template = rest()
    del template["properties"][0]["binding"]
    [error] = validate_template(template)
    assert (error.template_id, error.template_version) == (REST, template["version"])
    assert error.pointer == "/properties/0"
    assert error.message == 'missing "binding"'
    assert str(error) == f'template {REST} v{template["version"]}: /properties/0: missing "binding"'


def test_dropdown_without_choices() -> None:
    template = rest()
    index = index_of(template, "authentication.type")
    del template["properties"][index]["choices"]
    assert only(validate_template(template)) == (
        f"/properties/{index}",
        'missing "choices" (applies when type is "Dropdown")',
    )


def test_wrong_type_and_unknown_binding() -> None:
    template = rest()
    template["version"] = "18"
    index = index_of(template, "url")
    template["properties"][index]["binding"]["type"] = "zeebe:inputs"
    messages = {e.pointer: e.message for e in validate_template(template)}
    assert messages["/version"] == "must be an integer, not a string"
    assert messages[f"/properties/{index}/binding/type"].startswith(
        '"zeebe:inputs" is not allowed here; expected one of '
        '"property", "zeebe:taskDefinition:type"'
    )


def test_condition_with_two_tests() -> None:
    template = rest()
    index = next(
        i for i, p in enumerate(template["properties"]) if "equals" in p.get("condition", {})
    )
    template["properties"][index]["condition"]["oneOf"] = ["x"]
    pointer, message = only(validate_template(template))
    assert pointer == f"/properties/{index}/condition"
    assert message.startswith("is not a valid condition: it needs a property and exactly one of")


def test_feel_static_only_for_boolean_and_number() -> None:
    template = rest()
    index = index_of(template, "url")
    template["properties"][index]["feel"] = "static"
    assert only(validate_template(template)) == (
        f"/properties/{index}/feel",
        '"static" is not allowed here; expected one of "optional", "required" '
        '(applies when type is one of "String", "Text")',
    )


def test_bad_urls_and_namespaced_types() -> None:
    template = rest()
    template["documentationRef"] = "docs.camunda.io"
    template["appliesTo"] = ["ServiceTask"]
    messages = {e.pointer: e.message for e in validate_template(template)}
    assert messages["/documentationRef"] == '"docs.camunda.io" must be an http(s) URL'
    assert messages["/appliesTo/0"] == (
        '"ServiceTask" must be a namespaced BPMN type such as "bpmn:ServiceTask"'
    )


def test_patterns_keep_their_javascript_meaning() -> None:
    # In JavaScript \w is ASCII only; in Rust and Python it would accept "ä".
    template = rest()
    template["appliesTo"] = ["bpmn:Täsk"]
    [error] = [e for e in validate_template(template) if e.rule == "schema"]
    assert (error.pointer, error.message) == (
        "/appliesTo/0",
        '"bpmn:Täsk" must be a namespaced BPMN type such as "bpmn:ServiceTask"',
    )
    assert ecma_to_rust_regex(r"^[\w\d]+:x.$") == r"^[A-Za-z0-9_0-9]+:x[^\n\r\u2028\u2029]$"
    assert ecma_to_rust_regex(r"\d\.[.]") == r"[0-9]\.[.]"


def test_the_schema_data_rule_is_checked_in_python() -> None:
    template = rest()
    index = next(
        i for i, p in enumerate(template["properties"]) if "property" in p.get("condition", {})
    )
    prop = template["properties"][index]
    prop["condition"]["property"] = prop["id"]
    [error] = validate_template(template)
    assert error.rule == "condition-self-reference"
    assert error.pointer == f"/properties/{index}/condition/property"


def test_modeler_loader_rules() -> None:
    template = rest()
    template["$schema"] = template["$schema"].replace("schema/", "schema@0.99.0/")
    template["elementType"] = {"value": "bpmn:ServiceTask"}
    template["appliesTo"] = ["bpmn:Task", "bpmn:StartEvent"]
    template["engines"] = {"camunda": "^8.x.y"}
    found = {(e.rule, e.pointer): e.message for e in validate_template(template)}
    assert found == {
        ("schema-version", "/$schema"): (
            f"the template needs schema version 0.99.0; this hub supports up to {SCHEMA_VERSION}"
        ),
        (
            "element-type",
            "/appliesTo/1",
        ): "a bpmn:StartEvent cannot be turned into a bpmn:ServiceTask",
        (
            "engines",
            "/engines/camunda",
        ): "'^8.x.y' is not a valid version range for engine 'camunda'",
    }


@pytest.mark.parametrize(
    ("template_id", "message"),
    [
        ("io.camunda/http", "contains '/'"),
        ("/", "contains '/'"),
        ("", "the id is empty"),
        ("   ", "the id is empty"),
        (".", "cannot be a URL path segment"),
        ("..", "cannot be a URL path segment"),
        ("a\nb", "control character"),
        ("a\x00b", "control character"),
        ("x" * 256, "256 characters long; at most 255"),
    ],
)
def test_ids_the_hub_cannot_put_in_a_url_are_rejected(template_id: str, message: str) -> None:
    template = rest()
    template["id"] = template_id
    [error] = validate_template(template)
    assert (error.rule, error.pointer, error.severity) == ("template-id", "/id", "error")
    assert message in error.message


@pytest.mark.parametrize("template_id", ["a:b", "a.b", "a#b", "a?b", "a b", "ü", "x" * 255])
def test_ids_a_url_can_carry_are_accepted(template_id: str) -> None:
    template = rest()
    template["id"] = template_id
    assert validate_template(template) == []


def test_a_batch_may_not_define_an_id_and_version_twice() -> None:
    template = rest()
    errors = validate_templates([template, rest(), {"id": 3}])
    duplicate = [e for e in errors if e.rule == "duplicate-version"]
    assert [(e.index, e.pointer) for e in duplicate] == [(1, "/id")]
    assert "already defined by template #0 of this batch" in duplicate[0].message
    assert {e.index for e in errors if e.rule == "schema"} == {2}


def test_corpus_warnings_are_reported_but_do_not_block() -> None:
    found = collections.Counter(
        (t["id"], w.rule) for t in corpus_templates() for w in lint_template(t)
    )
    # Real templates break the stricter checks, and the Modeler loads them all the same.
    assert found[("io.camunda.connectors.GoogleSheets.v1", "condition-reference")] > 0
    assert found[("io.camunda.connectors.Twilio.v1", "dropdown-value")] > 0
    assert found[("io.camunda.connectors.HubSpot.v1", "duplicate-property-id")] > 0
    assert all(w.severity == "warning" for t in corpus_templates()[:20] for w in lint_template(t))


@pytest.mark.parametrize("bad", [None, 3, "x", [], [{}]])
def test_non_objects_are_errors_not_crashes(bad: object) -> None:
    errors = validate_template(bad)
    assert errors and all(e.severity == "error" for e in errors)
