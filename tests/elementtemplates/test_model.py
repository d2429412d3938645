"""The typed model: every corpus template round-trips, unknown fields survive."""

from __future__ import annotations

import pytest

from connectors.elementtemplates import (
    AllMatchCondition,
    ElementTemplate,
    SimpleCondition,
    TemplateModelError,
)

from .corpus import corpus_template, corpus_templates


def test_every_corpus_template_round_trips() -> None:
    changed = [
        (t["id"], t.get("version"))
        for t in corpus_templates()
        if ElementTemplate.from_dict(t).to_dict() != t
    ]
    assert changed == []


def test_unknown_and_newer_fields_are_kept() -> None:
    data = corpus_template("io.camunda.connectors.HttpJson.v2")
    data["futureField"] = {"anything": [1, 2]}
    data["properties"][0]["x-hint"] = "kept"
    data["properties"][0]["binding"]["futureKey"] = True
    data["groups"][0]["futureFlag"] = 1
    template = ElementTemplate.from_dict(data)
    assert template.to_dict() == data
    assert template.model_extra == {"futureField": {"anything": [1, 2]}}


def test_typed_access_to_a_real_template() -> None:
    template = ElementTemplate.from_dict(corpus_template("io.camunda.connectors.HttpJson.v2"))
    assert template.schema_uri and template.target_type == "bpmn:ServiceTask"
    assert template.category is not None and template.icon is not None
    assert template.engines is not None and template.engines.camunda
    by_id = {p.id: p for p in template.properties if p.id}
    auth = by_id["authentication.type"]
    assert auth.type == "Dropdown" and auth.choices
    assert {c.value for c in auth.choices} >= {"noAuth", "bearer", "basic"}
    token = by_id["authentication.token"]
    # Shown for bearer authentication unless a stored configuration supplies it.
    assert isinstance(token.condition, AllMatchCondition)
    first, second = token.condition.all_match
    assert (first.property, first.equals) == ("authentication.type", "bearer")
    assert (second.property, second.is_empty) == ("authenticationConfiguration", True)
    task = next(p for p in template.properties if p.binding.type == "zeebe:taskDefinition")
    assert (task.binding.property, task.value) == ("type", "io.camunda:http-json:1")


def test_groups_conditions_and_constraints_of_the_corpus_are_typed() -> None:
    seen: set[str] = set()
    for data in corpus_templates():
        template = ElementTemplate.from_dict(data)
        for group in template.groups or []:
            if group.open_by_default is not None:
                seen.add("openByDefault")
        for prop in template.properties:
            if isinstance(prop.condition, AllMatchCondition):
                seen.add("allMatch")
            elif isinstance(prop.condition, SimpleCondition):
                condition = prop.condition
                for name, value in (
                    ("equals", condition.equals),
                    ("oneOf", condition.one_of),
                    ("isActive", condition.is_active),
                    ("isEmpty", condition.is_empty),
                ):
                    if value is not None:
                        seen.add(name)
            if prop.constraints and prop.constraints.pattern_message:
                seen.add("pattern message")
            if prop.feel:
                seen.add(f"feel {prop.feel}")
    assert seen >= {
        "openByDefault", "allMatch", "equals", "oneOf", "isActive", "isEmpty",
        "pattern message", "feel optional", "feel required", "feel static",
    }  # fmt: skip


def test_shapeless_data_is_a_model_error() -> None:
    with pytest.raises(TemplateModelError, match=r"/properties/0/binding: Field required"):
        ElementTemplate.from_dict({"id": "x", "name": "x", "appliesTo": [], "properties": [{}]})
