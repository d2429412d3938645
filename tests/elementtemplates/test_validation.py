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
    # Two Hidden urls with one condition (GitHub), two plain fields on one input (GitLab).
    assert found[("io.camunda.connectors.GitHub.v1", "shared-binding")] == 8
    assert found[("io.camunda.connectors.GitLab.v1", "shared-binding")] == 6
    assert all(w.severity == "warning" for t in corpus_templates()[:20] for w in lint_template(t))


@pytest.mark.parametrize("bad", [None, 3, "x", [], [{}]])
def test_non_objects_are_errors_not_crashes(bad: object) -> None:
    errors = validate_template(bad)
    assert errors and all(e.severity == "error" for e in errors)


# -- two properties writing the same target ---------------------------------------------------


def hidden(binding: dict[str, Any], value: str = "https://attacker.example", **extra: Any):
    return {"type": "Hidden", "value": value, "binding": binding, **extra}


def binding_errors(template: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e.pointer, e.message) for e in validate_template(template)]


def test_a_hidden_value_replacing_a_field_the_user_fills_in_is_refused() -> None:
    # The attack: the user types her URL; a later Hidden property sends the request elsewhere.
    template = rest()
    url, override = index_of(template, "url"), index_of(template, "urlOverride")
    last = len(template["properties"])
    template["properties"].append(hidden({"type": "zeebe:input", "name": "url"}))

    errors = binding_errors(template)

    assert errors == [
        (
            f"/properties/{last}/binding",
            f'/properties/{first} and /properties/{last} both write zeebe:input "url" and no '
            "condition keeps them apart, so the later one silently replaces the other's value; "
            "bind them to different targets, or give them conditions that exclude each other "
            "(such as different values of one property)",
        )
        for first in (url, override)
    ]
    assert all(e.rule == "duplicate-binding" for e in validate_template(template))


TYPE_FIELD = {"label": "Job type", "type": "String"}


@pytest.mark.parametrize(
    ("added", "target"),
    [
        (
            hidden({"type": "zeebe:taskHeader", "key": "resultExpression"}),
            'zeebe:taskHeader "resultExpression"',
        ),
        # The deprecated spelling of the task type, as a field, against the Hidden task type.
        (
            {**TYPE_FIELD, "binding": {"type": "zeebe:taskDefinition:type"}},
            "zeebe:taskDefinition property type",
        ),
        # Extra keys do not make another target.
        (hidden({"type": "zeebe:input", "name": "method", "note": "x"}), 'zeebe:input "method"'),
        # A later `clientTls` input replaces the whole object, certificate included.
        (
            hidden({"type": "zeebe:input", "name": "clientTls"}),
            'zeebe:input "clientTls.clientCertificate" and "clientTls"',
        ),
    ],
    ids=["header", "deprecated-task-type", "extra-key", "parent-of-dotted-input"],
)
def test_every_kind_of_binding_counts(added: dict[str, Any], target: str) -> None:
    template = rest()
    template["properties"].append(added)

    errors = binding_errors(template)

    assert errors and any(target in message for _, message in errors), errors


def test_a_default_in_a_shown_field_counts_as_a_value_the_template_fixes() -> None:
    template = rest()
    shown = {"label": "Endpoint", "type": "String", "value": "https://attacker.example"}
    template["properties"].append({**shown, "binding": {"type": "zeebe:input", "name": "url"}})
    assert binding_errors(template)


def test_targets_shared_behind_conditions_that_exclude_each_other_are_accepted() -> None:
    template = rest()
    group = {"id": "group", "label": "Group", "type": "Dropdown", "value": "tasks"}
    group["choices"] = [{"name": n, "value": n} for n in ("tasks", "projects")]
    template["properties"] += [
        {**group, "binding": {"type": "zeebe:input", "name": "group"}},
        # Two operation fields on one input, as Camunda's Asana template has them.
        field("taskOp", "operation", {"property": "group", "equals": "tasks"}),
        field("projectOp", "operation", {"property": "group", "equals": "projects"}),
        # Tests of either field read the same input, so these exclude each other.
        field("path", "path", {"property": "taskOp", "oneOf": ["get", "list"]}),
        hidden(
            {"type": "zeebe:input", "name": "path"},
            "/p",
            condition={"property": "projectOp", "equals": "delete"},
        ),
        # Shown only while taskOp is, i.e. while group is tasks; the Hidden one needs projects.
        field("limit", "limit", {"property": "taskOp", "isActive": True}),
        hidden(
            {"type": "zeebe:input", "name": "limit"},
            "9",
            condition={"allMatch": [{"property": "group", "equals": "projects"}]},
        ),
    ]
    assert validate_template(template) == []
    assert not [w for w in lint_template(template) if w.rule == "shared-binding"]


def field(prop_id: str, name: str, condition: dict[str, Any]) -> dict[str, Any]:
    binding = {"type": "zeebe:input", "name": name}
    return {
        "id": prop_id,
        "label": prop_id,
        "type": "String",
        "binding": binding,
        "condition": condition,
    }


def test_is_active_and_is_empty_keep_properties_apart() -> None:
    template = rest()
    template["properties"] += [
        {
            "id": "mode",
            "label": "Mode",
            "type": "String",
            "binding": {"type": "zeebe:input", "name": "mode"},
        },
        hidden(
            {"type": "zeebe:input", "name": "target"},
            "a",
            condition={"property": "mode", "isEmpty": True},
        ),
        hidden(
            {"type": "zeebe:input", "name": "target"},
            "b",
            condition={"property": "mode", "isEmpty": False},
        ),
        hidden(
            {"type": "zeebe:input", "name": "other"},
            "c",
            id="first",
            condition={"property": "mode", "isEmpty": True},
        ),
        hidden(
            {"type": "zeebe:input", "name": "other"},
            "d",
            condition={"property": "first", "isActive": False},
        ),
    ]
    assert validate_template(template) == []


def test_hidden_properties_alone_or_plain_fields_alone_are_only_warned_about() -> None:
    template = rest()
    template["properties"] += [
        hidden({"type": "zeebe:input", "name": "fixed"}, "a"),
        hidden({"type": "zeebe:input", "name": "fixed"}, "b"),
        {"label": "A", "type": "String", "binding": {"type": "zeebe:input", "name": "typed"}},
        {"label": "B", "type": "String", "binding": {"type": "zeebe:input", "name": "typed"}},
        # Writes nothing of its own (as in Camunda's Twilio webhook templates).
        {"type": "Hidden", "binding": {"type": "zeebe:input", "name": "typed"}},
    ]

    assert validate_template(template) == []
    warned = [w for w in lint_template(template) if w.rule == "shared-binding"]
    assert [w.message.split(" both write ")[1].split(" and can")[0] for w in warned] == [
        'zeebe:input "fixed"',
        'zeebe:input "typed"',
    ]
