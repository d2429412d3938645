"""Broken variants of real templates, for comparing our verdicts with the Modeler's validator."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

Template = dict[str, Any]
Mutation = Callable[[Template], bool]  # edits in place; False when it does not apply


def _first(template: Template, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    return next((p for p in template["properties"] if test(p)), None)


def _binding(kind: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: p.get("binding", {}).get("type") == kind


def _set(
    test: Callable[[dict[str, Any]], bool], edit: Callable[[dict[str, Any]], None]
) -> Mutation:
    def mutate(template: Template) -> bool:
        prop = _first(template, test)
        if prop is None:
            return False
        edit(prop)
        return True

    return mutate


def _top(edit: Callable[[Template], None]) -> Mutation:
    def mutate(template: Template) -> bool:
        edit(template)
        return True

    return mutate


def _drop_task_definition(template: Template) -> bool:
    before = len(template["properties"])
    template["properties"] = [
        p
        for p in template["properties"]
        if not p["binding"]["type"].startswith("zeebe:taskDefinition")
    ]
    return len(template["properties"]) < before


def _duplicate_id(template: Template) -> bool:
    with_ids = [p for p in template["properties"] if "id" in p]
    plain = [p for p in with_ids[1:] if "condition" not in p]
    if not with_ids or not plain:
        return False
    plain[0]["id"] = with_ids[0]["id"]
    return True


def _hidden_twin(template: Template) -> bool:
    """A Hidden property after the first unconditional input, writing the same input."""
    shown = _first(template, lambda p: _binding("zeebe:input")(p) and "condition" not in p)
    if shown is None:
        return False
    twin = {"type": "Hidden", "value": "https://attacker.example", "binding": shown["binding"]}
    template["properties"].append(copy.deepcopy(twin))
    return True


def _condition(
    test: Callable[[dict[str, Any]], bool], edit: Callable[[dict[str, Any]], None]
) -> Mutation:
    return _set(lambda p: "condition" in p and test(p["condition"]), lambda p: edit(p["condition"]))


def _simple(condition: dict[str, Any]) -> bool:
    return "property" in condition


def _pop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.pop(key)


def _put(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.__setitem__(key, copy.deepcopy(value))


# name -> mutation. All of these are schema matters, decided by validateZeebe itself.
SCHEMA_MUTATIONS: dict[str, Mutation] = {
    "missing name": _top(_pop("name")),
    "missing id": _top(_pop("id")),
    "missing appliesTo": _top(_pop("appliesTo")),
    "missing properties": _top(_pop("properties")),
    "name is a number": _top(_put("name", 3)),
    "version is a string": _top(_put("version", "1")),
    "version is a fraction": _top(_put("version", 1.5)),
    "version is 2.0": _top(_put("version", 2.0)),
    "properties is an object": _top(_put("properties", {})),
    "appliesTo is a string": _top(_put("appliesTo", "bpmn:Task")),
    "appliesTo not namespaced": _top(_put("appliesTo", ["ServiceTask"])),
    "appliesTo non-ASCII word": _top(_put("appliesTo", ["bpmn:Täsk"])),
    "keywords hold a number": _top(_put("keywords", [1])),
    "group without label": _top(_put("groups", [{"id": "g"}])),
    "group openByDefault string": _top(
        _put("groups", [{"id": "g", "label": "G", "openByDefault": "yes"}])
    ),
    "deprecated is a string": _top(_put("deprecated", "yes")),
    "icon without contents": _top(_put("icon", {})),
    "icon file url": _top(_put("icon", {"contents": "file:///x.svg"})),
    "category without name": _top(_put("category", {"id": "c"})),
    "documentationRef ftp": _top(_put("documentationRef", "ftp://docs")),
    "elementType without value": _top(_put("elementType", {})),
    "engines camunda number": _top(_put("engines", {"camunda": 8})),
    "entriesVisible string": _top(_put("entriesVisible", "yes")),
    "property without binding": _set(lambda p: True, _pop("binding")),
    "unknown binding type": _set(
        _binding("zeebe:input"), lambda p: p["binding"].__setitem__("type", "zeebe:foo")
    ),
    "input without name": _set(_binding("zeebe:input"), lambda p: p["binding"].pop("name")),
    "header without key": _set(_binding("zeebe:taskHeader"), lambda p: p["binding"].pop("key")),
    "task definition without property": _set(
        _binding("zeebe:taskDefinition"), lambda p: p["binding"].pop("property")
    ),
    "task definition property unknown": _set(
        _binding("zeebe:taskDefinition"), lambda p: p["binding"].__setitem__("property", "kind")
    ),
    "unknown property type": _set(lambda p: p.get("type") == "String", _put("type", "Strng")),
    "dropdown without choices": _set(lambda p: p.get("type") == "Dropdown", _pop("choices")),
    "choice without value": _set(
        lambda p: p.get("type") == "Dropdown", lambda p: p["choices"][0].pop("value")
    ),
    "choice value number": _set(
        lambda p: p.get("type") == "Dropdown", lambda p: p["choices"][0].__setitem__("value", 1)
    ),
    "string value is an object": _set(lambda p: p.get("type") == "String", _put("value", {"a": 1})),
    "string value is a number": _set(lambda p: p.get("type") == "String", _put("value", 5)),
    "unknown feel mode": _set(lambda p: "feel" in p, _put("feel", "maybe")),
    "feel static on a string": _set(lambda p: p.get("type") == "String", _put("feel", "static")),
    "feel on a dropdown": _set(lambda p: p.get("type") == "Dropdown", _put("feel", "optional")),
    "placeholder on a boolean": _set(
        lambda p: p.get("type") == "Boolean", _put("placeholder", "x")
    ),
    "editable is a string": _set(lambda p: True, _put("editable", "no")),
    "optional with notEmpty": _set(
        lambda p: p.get("binding", {}).get("type") == "zeebe:input",
        lambda p: p.update(optional=True, constraints={"notEmpty": True}),
    ),
    "optional on a task definition": _set(_binding("zeebe:taskDefinition"), _put("optional", True)),
    "notEmpty is a string": _set(
        lambda p: "constraints" in p, lambda p: p["constraints"].__setitem__("notEmpty", "yes")
    ),
    "pattern is a number": _set(lambda p: True, _put("constraints", {"pattern": 3})),
    "minLength is a string": _set(lambda p: True, _put("constraints", {"minLength": "3"})),
    "condition without test": _condition(
        _simple, lambda c: [c.pop(k, None) for k in ("equals", "oneOf", "isActive", "isEmpty")]
    ),
    "condition with two tests": _condition(_simple, lambda c: c.update(equals="a", oneOf=["a"])),
    "condition without property": _condition(_simple, _pop("property")),
    "condition oneOf not a list": _condition(lambda c: "oneOf" in c, _put("oneOf", "a")),
    "condition type not simple": _condition(_simple, _put("type", "complex")),
    "allMatch empty": _condition(lambda c: "allMatch" in c, _put("allMatch", [])),
    "allMatch item without test": _condition(
        lambda c: "allMatch" in c,
        lambda c: c["allMatch"][0].pop("equals", None) or c["allMatch"][0].pop("oneOf", None),
    ),
    "generatedValue with value": _set(
        lambda p: "value" in p, _put("generatedValue", {"type": "uuid"})
    ),
    "generatedValue unknown type": _set(
        lambda p: "generatedValue" in p, _put("generatedValue", {"type": "serial"})
    ),
    "feel required default without =": _set(
        lambda p: p.get("feel") == "required" and isinstance(p.get("value"), str),
        lambda p: p.__setitem__("value", p["value"].lstrip("=")),
    ),
    "secret is a string": _set(lambda p: "secret" in p, _put("secret", "yes")),
    "header binding with eventType": _set(
        _binding("zeebe:taskHeader"), lambda p: p["binding"].__setitem__("eventType", "start")
    ),
    "message binding on a service task": _top(
        lambda t: t["properties"].append(
            {
                "type": "Hidden",
                "value": "m",
                "binding": {"type": "bpmn:Message#property", "name": "name"},
            }
        )
    ),
    "user task binding on a service task": _top(
        lambda t: t["properties"].append({"type": "Hidden", "binding": {"type": "zeebe:userTask"}})
    ),
    "configuration property without template": _set(
        lambda p: p.get("type") == "Configuration", _pop("configurationTemplate")
    ),
    "missing task definition": _drop_task_definition,
}

# Checks the hub makes beyond validateZeebe: (mutation, rule we report, blocking?)
HUB_MUTATIONS: dict[str, tuple[Mutation, str, bool]] = {
    "duplicate property ids": (_duplicate_id, "duplicate-property-id", False),
    "condition names a missing property": (
        _condition(_simple, _put("property", "no.such.property")),
        "condition-reference",
        False,
    ),
    "dropdown default outside choices": (
        _set(lambda p: p.get("type") == "Dropdown", _put("value", "not-a-choice")),
        "dropdown-value",
        False,
    ),
    "condition on its own property": (
        _set(
            lambda p: "id" in p and "property" in p.get("condition", {}),
            lambda p: p["condition"].__setitem__("property", p["id"]),
        ),
        "condition-self-reference",
        True,
    ),
    "missing $schema": (_top(_pop("$schema")), "schema-uri", True),
    "foreign $schema": (
        _top(
            _put(
                "$schema",
                "https://unpkg.com/@camunda/element-templates-json-schema/resources/schema.json",
            )
        ),
        "schema-uri",
        True,
    ),
    "newer schema version": (
        _top(
            _put(
                "$schema",
                "https://unpkg.com/@camunda/zeebe-element-templates-json-schema@99.0.0/resources/schema.json",
            )
        ),
        "schema-version",
        True,
    ),
    "elementType outside appliesTo": (
        _top(
            lambda t: t.update(
                appliesTo=["bpmn:UserTask"], elementType={"value": "bpmn:ServiceTask"}
            )
        ),
        "element-type",
        True,
    ),
    "flow cannot become a task": (
        _top(
            lambda t: t.update(
                appliesTo=["bpmn:Task", "bpmn:SequenceFlow"],
                elementType={"value": "bpmn:ServiceTask"},
            )
        ),
        "element-type",
        True,
    ),
    "engines range invalid": (_top(_put("engines", {"camunda": "eight"})), "engines", True),
    # The hub's own: its URLs name a template by its id, one path segment.
    "id with a slash": (_top(_put("id", "io.camunda/http")), "template-id", True),
    "id that is a dot segment": (_top(_put("id", "..")), "template-id", True),
    # The hub's own: a hidden value silently replacing what the user enters in a shown field.
    "hidden twin of a shown input": (_hidden_twin, "duplicate-binding", True),
}


def variants(
    templates: list[Template], mutations: dict[str, Mutation]
) -> Iterator[tuple[str, str, Template]]:
    """(template id, mutation name, mutated copy) for every mutation that applies."""
    for template in templates:
        for name, mutate in mutations.items():
            candidate = copy.deepcopy(template)
            if mutate(candidate):
                yield template["id"], name, candidate


def wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, int | float):
        return "7"
    if isinstance(value, str):
        return 7
    if isinstance(value, list):
        return {"0": value[0] if value else None}
    return [value]


def field_edits(template: Template) -> Iterator[tuple[str, Template]]:
    """Delete, or give a wrong JSON type to, every field of every property, one at a time."""
    for index, prop in enumerate(template["properties"]):
        for key in list(prop):
            for label, edit in (("delete", None), ("retype", wrong_type(prop[key]))):
                candidate = copy.deepcopy(template)
                target = candidate["properties"][index]
                if edit is None:
                    del target[key]
                else:
                    target[key] = edit
                yield f"/properties/{index}/{key} {label}", candidate
        for key in list(prop.get("binding", {})):
            candidate = copy.deepcopy(template)
            candidate["properties"][index]["binding"][key] = wrong_type(prop["binding"][key])
            yield f"/properties/{index}/binding/{key} retype", candidate
