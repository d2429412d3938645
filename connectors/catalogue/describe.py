"""Template properties in words, for the detail page: groups, types, conditions, constraints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PropertyView:
    label: str
    type: str
    binding: str
    description: str
    feel: str
    default: str
    condition: str
    constraints: list[str]
    choices: list[str]
    hidden: bool


@dataclass
class GroupView:
    id: str
    label: str
    properties: list[PropertyView] = field(default_factory=list)


def describe_binding(binding: dict[str, Any]) -> str:
    kind = str(binding.get("type", "?"))
    name = binding.get("name") or binding.get("key") or binding.get("property") or ""
    return f"{kind} {name}".strip()


def describe_condition(condition: dict[str, Any] | None, labels: dict[str, str]) -> str:
    """E.g. 'Authentication type is one of Basic, Bearer token'."""
    if not condition:
        return ""
    if "allMatch" in condition:
        parts = [describe_condition(c, labels) for c in condition["allMatch"]]
        return " and ".join(p for p in parts if p)
    subject = labels.get(str(condition.get("property")), str(condition.get("property")))
    if condition.get("type") == "simple" and "property" not in condition:
        return ""
    if "equals" in condition:
        return f"{subject} is {_show(condition['equals'])}"
    if "oneOf" in condition:
        return f"{subject} is one of {', '.join(_show(v) for v in condition['oneOf'])}"
    if "isEmpty" in condition:
        return f"{subject} is {'empty' if condition['isEmpty'] else 'not empty'}"
    if "isActive" in condition:
        return f"{subject} is {'shown' if condition['isActive'] else 'hidden'}"
    return ""


def describe_constraints(constraints: dict[str, Any] | None) -> list[str]:
    if not constraints:
        return []
    found = []
    if constraints.get("notEmpty"):
        found.append("required")
    if "minLength" in constraints:
        found.append(f"at least {constraints['minLength']} characters")
    if "maxLength" in constraints:
        found.append(f"at most {constraints['maxLength']} characters")
    pattern = constraints.get("pattern")
    if isinstance(pattern, dict):
        message = pattern.get("message")
        found.append(message or f"must match {pattern.get('value')}")
    elif isinstance(pattern, str):
        found.append(f"must match {pattern}")
    return found


def describe_groups(template: dict[str, Any]) -> list[GroupView]:
    """Properties under their groups, in template order; ungrouped ones last."""
    groups = {
        g["id"]: GroupView(g["id"], g.get("label", g["id"])) for g in template.get("groups", [])
    }
    ungrouped = GroupView("", "Other properties")
    properties = template.get("properties", [])
    labels = {str(p["id"]): str(p.get("label") or p["id"]) for p in properties if "id" in p}
    choice_names = _choice_names(properties)
    for prop in properties:
        view = _property_view(prop, labels, choice_names)
        groups.get(str(prop.get("group", "")), ungrouped).properties.append(view)
    result = [g for g in groups.values() if g.properties]
    if ungrouped.properties:
        result.append(ungrouped)
    return result


def _property_view(
    prop: dict[str, Any], labels: dict[str, str], choice_names: dict[str, dict[str, str]]
) -> PropertyView:
    kind = str(prop.get("type", "String"))
    choices = [f"{c.get('name')} ({c.get('value')})" for c in prop.get("choices", [])]
    condition = prop.get("condition")
    return PropertyView(
        label=str(prop.get("label") or prop.get("id") or describe_binding(prop.get("binding", {}))),
        type=kind,
        binding=describe_binding(prop.get("binding", {})),
        description=str(prop.get("description", "")),
        feel=str(prop.get("feel", "")),
        default="" if "value" not in prop else _show(prop["value"]),
        condition=_with_choice_names(condition, labels, choice_names),
        constraints=describe_constraints(prop.get("constraints")),
        choices=choices,
        hidden=kind == "Hidden",
    )


def _choice_names(properties: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        str(p["id"]): {str(c.get("value")): str(c.get("name")) for c in p.get("choices", [])}
        for p in properties
        if "id" in p and p.get("choices")
    }


def _with_choice_names(
    condition: dict[str, Any] | None, labels: dict[str, str], names: dict[str, dict[str, str]]
) -> str:
    """Conditions speak of dropdown values; show the names users pick instead."""
    if not condition:
        return ""
    if "allMatch" in condition:
        parts = [_with_choice_names(c, labels, names) for c in condition["allMatch"]]
        return " and ".join(p for p in parts if p)
    known = names.get(str(condition.get("property")), {})
    renamed = dict(condition)
    if "equals" in renamed and str(renamed["equals"]) in known:
        renamed["equals"] = known[str(renamed["equals"])]
    if "oneOf" in renamed:
        renamed["oneOf"] = [known.get(str(v), v) for v in renamed["oneOf"]]
    return describe_condition(renamed, labels)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
