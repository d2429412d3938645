"""Checks the JSON schema cannot express, each yielding (rule, pointer, message).

Errors (the template is rejected) are what the Modeler itself rejects when it loads templates:
the `$schema` reference, the schema version, `elementType` against `appliesTo`, embedded
configuration templates, `engines` ranges, plus the schema's `$data` rule that ajv's build skips.

Two errors are the hub's own, not the Modeler's: a template id the hub cannot put in a URL
(`template-id`), since every catalogue page and API address names the template by its id, and
two properties that may write the same place (`duplicate-binding`, in `shared_targets.py`).

Warnings are stricter hub checks and the schema's deprecations. The real corpus breaks several of
them (duplicate property ids, conditions naming a missing property, a Dropdown default outside its
choices), and the Modeler loads those templates, so they must not block an import.
"""

import re
from collections.abc import Iterator
from typing import Any

from . import bpmn_types
from .schema_check import SCHEMA_PACKAGE, SCHEMA_VERSION
from .semver import is_valid_range
from .shared_targets import duplicate_bindings, shared_bindings

Finding = tuple[str, str, str]  # (rule, JSON pointer, message)

RULE_SCHEMA_URI = "schema-uri"
RULE_SCHEMA_VERSION = "schema-version"
RULE_ELEMENT_TYPE = "element-type"
RULE_CONFIGURATION = "configuration-template"
RULE_ENGINES = "engines"
RULE_SELF_CONDITION = "condition-self-reference"
# Hub-only (validateZeebe and the Modeler accept these ids; the hub's URLs cannot carry them).
RULE_TEMPLATE_ID = "template-id"

WARN_DEPRECATED = "deprecated"
WARN_DUPLICATE_ID = "duplicate-property-id"
WARN_CONDITION_REFERENCE = "condition-reference"
WARN_DROPDOWN_VALUE = "dropdown-value"
WARN_TASK_DEFINITION = "task-definition"

_VERSION_IN_URI = re.compile(r"\d+\.\d+\.\d+")
TASK_DEFINITION_BINDINGS = frozenset({"zeebe:taskDefinition", "zeebe:taskDefinition:type"})


def modeler_errors(template: dict[str, Any]) -> Iterator[Finding]:
    """Errors the Modeler's loader reports besides schema violations, then the hub's own."""
    yield from _schema_reference(template)
    yield from _element_type(template)
    yield from _configuration(template)
    yield from _engines(template)
    yield from condition_self_reference(template)
    yield from hub_errors(template)


def hub_errors(template: dict[str, Any]) -> Iterator[Finding]:
    """The hub's own blocking rules, beyond what the Modeler rejects."""
    yield from _template_id(template)
    yield from duplicate_bindings(template)


# The catalogue stores ids in a CharField of this length.
MAX_TEMPLATE_ID_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _template_id(template: dict[str, Any]) -> Iterator[Finding]:
    """An id must fit in one URL path segment: /connectors/<id>/ names the template."""
    template_id = template.get("id")
    if not isinstance(template_id, str):
        return  # the schema reports it
    problem = template_id_problem(template_id)
    if problem:
        yield RULE_TEMPLATE_ID, "/id", problem


def template_id_problem(template_id: str) -> str | None:
    """Why the hub cannot use `template_id` in its URLs, or None when it can."""
    if not template_id.strip():
        return "the id is empty; the hub names every template by its id"
    if "/" in template_id:
        return (
            f"the id {template_id!r} contains '/'; the hub puts ids in URLs, where '/' "
            "separates parts, so use another character such as '.' or ':'"
        )
    if template_id in {".", ".."}:
        # Browsers resolve /connectors/../ (and its %2E form) to another page.
        return f"the id {template_id!r} cannot be a URL path segment; use a name"
    if _CONTROL.search(template_id):
        return "the id contains a control character (such as a line break)"
    if len(template_id) > MAX_TEMPLATE_ID_LENGTH:
        return (
            f"the id is {len(template_id)} characters long; at most "
            f"{MAX_TEMPLATE_ID_LENGTH} are accepted"
        )
    return None


def _schema_reference(template: dict[str, Any]) -> Iterator[Finding]:
    uri = template.get("$schema")
    if not isinstance(uri, str) or not uri:
        yield RULE_SCHEMA_URI, "", f'missing "$schema"; expected a URL naming {SCHEMA_PACKAGE}'
        return
    if SCHEMA_PACKAGE not in uri:
        yield (
            RULE_SCHEMA_URI,
            "/$schema",
            f"{uri!r} is not the Zeebe element template schema ({SCHEMA_PACKAGE})",
        )
        return
    match = _VERSION_IN_URI.search(uri)
    if match and _version_tuple(match.group()) > _version_tuple(SCHEMA_VERSION):
        yield (
            RULE_SCHEMA_VERSION,
            "/$schema",
            f"the template needs schema version {match.group()}; this hub supports up to "
            f"{SCHEMA_VERSION}",
        )


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _element_type(template: dict[str, Any]) -> Iterator[Finding]:
    element_type = template.get("elementType")
    applies_to = template.get("appliesTo")
    if not isinstance(element_type, dict) or not isinstance(applies_to, list):
        return
    target = element_type.get("value")
    if not isinstance(target, str) or not all(isinstance(a, str) for a in applies_to):
        return  # the schema reports the wrong types
    if bpmn_types.all_types(target) is None:
        yield RULE_ELEMENT_TYPE, "/elementType/value", f"{target!r} is not a known BPMN type"
        return
    if not any(bpmn_types.is_type(target, source) for source in applies_to):
        yield (
            RULE_ELEMENT_TYPE,
            "/elementType/value",
            f"{target} is not one of the types in appliesTo (or a subtype of one)",
        )
        return
    for index, source in enumerate(applies_to):
        if not bpmn_types.can_morph(source, target):
            yield (
                RULE_ELEMENT_TYPE,
                f"/appliesTo/{index}",
                f"a {source} cannot be turned into a {target}",
            )
            return


def _configuration(template: dict[str, Any]) -> Iterator[Finding]:
    embedded = template.get("configurationTemplates")
    if embedded is not None:
        if not isinstance(embedded, list):
            yield RULE_CONFIGURATION, "/configurationTemplates", "must be an array"
            return
        for index, item in enumerate(embedded):
            problem = _configuration_template_problem(item)
            if problem:
                yield RULE_CONFIGURATION, f"/configurationTemplates/{index}", problem
                return
    properties = template.get("properties")
    for index, prop in enumerate(properties if isinstance(properties, list) else []):
        if not isinstance(prop, dict) or prop.get("type") != "Configuration":
            continue
        problem = _configuration_property_problem(prop)
        if problem:
            yield RULE_CONFIGURATION, f"/properties/{index}", problem
            return


def _configuration_template_problem(item: object) -> str | None:
    if not isinstance(item, dict):
        return "a configuration template must be an object"
    for field in ("id", "name", "kind"):
        if not _non_empty(item.get(field)):
            return f'"{field}" must be a non-empty string'
    if not isinstance(item.get("properties"), list):
        return '"properties" must be an array'
    return None


def _configuration_property_problem(prop: dict[str, Any]) -> str | None:
    if not _non_empty(prop.get("configurationTemplate")):
        return 'a Configuration property needs a "configurationTemplate" id'
    binding = prop.get("binding")
    if not isinstance(binding, dict) or binding.get("type") not in (
        "zeebe:input",
        "zeebe:property",
    ):
        return "a Configuration property must be bound with zeebe:input or zeebe:property"
    if not _non_empty(binding.get("name")):
        return "a Configuration property binding needs a name"
    return None


def _non_empty(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _engines(template: dict[str, Any]) -> Iterator[Finding]:
    engines = template.get("engines")
    if not isinstance(engines, dict):
        return
    for engine, text in engines.items():
        if not is_valid_range(text):
            yield (
                RULE_ENGINES,
                f"/engines/{engine}",
                f"{text!r} is not a valid version range for engine {engine!r}",
            )


def condition_self_reference(template: dict[str, Any]) -> Iterator[Finding]:
    """The schema's `$data` rule: a property's condition may not test the property itself."""
    for index, prop in _properties(template):
        condition = prop.get("condition")
        own_id = prop.get("id")
        tested = condition.get("property") if isinstance(condition, dict) else None
        if own_id is not None and tested == own_id:
            yield (
                RULE_SELF_CONDITION,
                f"/properties/{index}/condition/property",
                f"the condition refers to its own property {own_id!r}; it must depend on "
                "another property",
            )


def _properties(template: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    properties = template.get("properties")
    if isinstance(properties, list):
        for index, prop in enumerate(properties):
            if isinstance(prop, dict):
                yield index, prop


# -- warnings ----------------------------------------------------------------------------------


def hub_warnings(template: dict[str, Any]) -> Iterator[Finding]:
    """Stricter checks and deprecations; never a reason to reject a template."""
    yield from _duplicate_ids(template)
    yield from shared_bindings(template)
    yield from _condition_references(template)
    yield from _dropdown_defaults(template)
    yield from _task_definition(template)
    yield from _deprecations(template)


def _duplicate_ids(template: dict[str, Any]) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for index, prop in _properties(template):
        prop_id = prop.get("id")
        if not isinstance(prop_id, str):
            continue
        if prop_id in seen:
            yield (
                WARN_DUPLICATE_ID,
                f"/properties/{index}/id",
                f"property id {prop_id!r} is already used by /properties/{seen[prop_id]}; "
                "conditions that test it see whichever of them is active",
            )
        else:
            seen[prop_id] = index


def _condition_references(template: dict[str, Any]) -> Iterator[Finding]:
    ids = {p.get("id") for _, p in _properties(template) if isinstance(p.get("id"), str)}
    for index, prop in _properties(template):
        for pointer, simple in _simple_conditions(prop.get("condition"), f"/properties/{index}"):
            name = simple.get("property")
            if isinstance(name, str) and name not in ids:
                yield (
                    WARN_CONDITION_REFERENCE,
                    f"{pointer}/property",
                    f"the condition tests {name!r}, which no property of this template has as "
                    "id; it is never met",
                )


def _simple_conditions(condition: object, base: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(condition, dict):
        return
    all_match = condition.get("allMatch")
    if isinstance(all_match, list):
        for index, item in enumerate(all_match):
            if isinstance(item, dict):
                yield f"{base}/condition/allMatch/{index}", item
    else:
        yield f"{base}/condition", condition


def _dropdown_defaults(template: dict[str, Any]) -> Iterator[Finding]:
    for index, prop in _properties(template):
        if prop.get("type") != "Dropdown" or "value" not in prop:
            continue
        choices = prop.get("choices")
        values = [c.get("value") for c in choices if isinstance(c, dict)] if choices else []
        if prop["value"] not in values:
            yield (
                WARN_DROPDOWN_VALUE,
                f"/properties/{index}/value",
                f"the default {prop['value']!r} is not among the choices",
            )


def _task_definition(template: dict[str, Any]) -> Iterator[Finding]:
    kinds = {
        prop.get("binding", {}).get("type")
        for _, prop in _properties(template)
        if isinstance(prop.get("binding"), dict)
    }
    if kinds & {"zeebe:input", "zeebe:taskHeader"} and not kinds & TASK_DEFINITION_BINDINGS:
        yield (
            WARN_TASK_DEFINITION,
            "/properties",
            "the template maps inputs or headers but sets no job type (zeebe:taskDefinition); "
            "applied to a plain task it creates no job",
        )


def _deprecations(template: dict[str, Any]) -> Iterator[Finding]:
    for index, prop in _properties(template):
        raw_binding = prop.get("binding")
        binding: dict[str, Any] = raw_binding if isinstance(raw_binding, dict) else {}
        base = f"/properties/{index}"
        if binding.get("type") == "zeebe:taskDefinition:type":
            yield (
                WARN_DEPRECATED,
                f"{base}/binding/type",
                'binding type "zeebe:taskDefinition:type" is deprecated; use '
                '"zeebe:taskDefinition" with property "type"',
            )
        hidden_without_value = (
            prop.get("type") == "Hidden"
            and binding.get("type") != "zeebe:userTask"
            and "value" not in prop
            and "generatedValue" not in prop
        )
        if hidden_without_value:
            yield WARN_DEPRECATED, base, "a Hidden property should have a value or generatedValue"
        if prop.get("editable") is False and prop.get("feel") == "optional":
            yield WARN_DEPRECATED, base, '"feel": "optional" has no effect with "editable": false'
        if prop.get("optional") is True and binding.get("type") == "zeebe:input":
            yield (
                WARN_DEPRECATED,
                f"{base}/optional",
                '"optional" on a zeebe:input is deprecated; Camunda 8.8+ maps an empty input '
                "to null instead",
            )
        value = prop.get("value")
        if prop.get("feel") == "required" and isinstance(value, str) and not value.startswith("="):
            yield (
                WARN_DEPRECATED,
                f"{base}/value",
                'a FEEL-required default should be an expression starting with "="',
            )
