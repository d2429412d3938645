"""One translation from template + values to what Zeebe and a worker see.

`bpmn_view()` gives the element as the Modeler writes it into BPMN XML (task definition, zeebe:input
source/target strings, headers, zeebe:properties); `build_job()` gives the job a worker receives:
the input mappings evaluated into variables (dotted targets become nested objects), headers and
properties. Both start from `resolve()`, which applies the values and the conditions the way the
Modeler does, so the form, the dry-run, the export and the API cannot disagree.

Values are keyed by `field_key(prop)`: the property id, or `<binding type>:<name|key|...>` for
properties without an id.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.credentials.references import referenced_name
from connectors.feel.safe_regex import RegexSyntaxError, RegexTooComplex, compile_pattern

from .conditions import MAX_PASSES, active_in, binding_key
from .model import Constraints, ElementTemplate, Property
from .schema_check import ecma_to_rust_regex
from .values import default_stored, feel_mode, js_number, to_stored, xml_text

TASK_DEFINITION_BINDINGS = frozenset({"zeebe:taskDefinition", "zeebe:taskDefinition:type"})
DEFAULT_RETRIES = 3  # what Zeebe uses when the task definition names none

Evaluate = Callable[[str, Mapping[str, Any]], Any]


def field_key(prop: Property) -> str:
    """How values address a property: its id, else `<binding type>:<name or key>`."""
    if prop.id:
        return prop.id
    binding = prop.binding
    target = binding.name or binding.key or binding.property or binding.source
    if binding.type == "zeebe:linkedResource":
        target = f"{binding.link_name}:{binding.property}"
    elif target is None and binding.event_type:
        target = binding.event_type
    return binding.type if target is None else f"{binding.type}:{target}"


@dataclass(frozen=True)
class Resolved:
    """The active properties and the stored value of each of their bindings."""

    template: ElementTemplate
    active: list[Property]
    stored: dict[str, Any]  # binding_key -> stored value (None: written without a value)

    def value_of(self, prop: Property) -> Any:
        return self.stored.get(binding_key(prop.binding))


def resolve(template: ElementTemplate, values: Mapping[str, Any] | None = None) -> Resolved:
    """Apply `values` (defaults for the rest) and re-evaluate conditions until stable."""
    values = values or {}
    generated: dict[str, Any] = {}
    state: dict[str, Any] | None = None
    active: list[Property] = active_in(template, {})
    for _ in range(MAX_PASSES):
        state = _write(active, values, generated, state)
        following = active_in(template, state)
        if [id(p) for p in following] == [id(p) for p in active]:
            break
        active = following
    return Resolved(template, active, state or {})


def _write(
    active: list[Property],
    values: Mapping[str, Any],
    generated: dict[str, Any],
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    """One application of the template, as the Modeler's (re-)apply pass writes the XML."""
    state: dict[str, Any] = {}
    for prop in active:
        key = field_key(prop)
        if key in values and prop.editable is not False and prop.type != "Hidden":
            stored = to_stored(prop, values[key])
        elif prop.generated_value is not None and prop.value is None:
            # Generated once per resolution, like the Modeler does when it applies a template.
            stored = generated.setdefault(key, default_stored(prop))
        else:
            stored = default_stored(prop)
        binding = binding_key(prop.binding)
        if stored is None and prop.binding.type == "zeebe:property":
            # The Modeler creates a zeebe:property with value "", and a later conditional
            # pass rewrites it without a value; a detail, but visible in the XML.
            stored = "" if previous is None or binding not in previous else None
        state[binding] = stored
    return state


def active_properties(
    template: ElementTemplate, values: Mapping[str, Any] | None = None
) -> list[Property]:
    """The properties shown and written for these values, in template order."""
    return resolve(template, values).active


# -- the BPMN view -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BpmnTask:
    """The Zeebe extension elements of the templated element, as strings in the XML."""

    task_definition: dict[str, str]  # {"type": ..., "retries": ...} (attributes present only)
    inputs: list[dict[str, str]]  # [{"source": ..., "target": ...}] (source absent when empty)
    headers: list[dict[str, str]]  # [{"key": ..., "value": ...}]
    properties: list[dict[str, str]]  # zeebe:property [{"name": ..., "value": ...}] (ditto)


def bpmn_view(
    template: ElementTemplate,
    values: Mapping[str, Any] | None = None,
    *,
    resolved: Resolved | None = None,
) -> BpmnTask:
    """What the Modeler writes into the BPMN XML for this template and these values.

    `resolved`: `resolve(template, values)` when the caller already has it (forms do)."""
    return _view(resolved or resolve(template, values))


def _view(resolved: Resolved) -> BpmnTask:
    task: dict[str, str] = {}
    inputs: dict[str, dict[str, str]] = {}
    headers: dict[str, dict[str, str]] = {}
    properties: dict[str, dict[str, str]] = {}
    for prop in resolved.active:
        binding = prop.binding
        stored = resolved.value_of(prop)
        text = xml_text(stored)
        # The Modeler writes an optional mapping or a header only for a truthy value
        # (JavaScript truthiness: false, 0 and "" count as empty).
        wanted = _truthy(stored) or not prop.optional
        key = binding_key(binding)
        if binding.type in TASK_DEFINITION_BINDINGS:
            name = "type" if binding.type == "zeebe:taskDefinition:type" else binding.property
            if name and text is not None:
                task[name] = text
        elif binding.type == "zeebe:input" and wanted:
            entry = {"target": binding.name or ""}
            inputs[key] = entry if text is None else {"source": text, **entry}
        elif binding.type == "zeebe:taskHeader" and _truthy(stored):
            headers[key] = {"key": binding.key or "", "value": text or ""}
        elif binding.type == "zeebe:property" and wanted:
            entry = {"name": binding.name or ""}
            properties[key] = entry if text is None else {**entry, "value": text}
    return BpmnTask(task, list(inputs.values()), list(headers.values()), list(properties.values()))


def _truthy(value: Any) -> bool:
    return value is not None and value is not False and value != "" and value != 0


# -- the job -----------------------------------------------------------------------------------


@dataclass
class Job:
    """What a job worker receives for this configuration."""

    type: str | None
    retries: int
    variables: dict[str, Any]
    headers: dict[str, str]
    properties: dict[str, str]
    # field_key -> messages for expressions that could not be evaluated
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "retries": self.retries,
            "variables": self.variables,
            "headers": self.headers,
            "properties": self.properties,
        }


def build_job(
    template: ElementTemplate,
    values: Mapping[str, Any] | None = None,
    variables: Mapping[str, Any] | None = None,
    *,
    evaluate: Evaluate | None = None,
    resolved: Resolved | None = None,
) -> Job:
    """The job for these values; `=` expressions are evaluated with `variables` as context.

    `evaluate(expression_without_equals, context)` defaults to the hub's FEEL engine. Input
    mappings are applied in order and may use the variables of earlier mappings, as Zeebe does.
    `resolved`: `resolve(template, values)` when the caller already has it (forms do).
    """
    resolved = resolved or resolve(template, values)
    view = _view(resolved)
    run = evaluate or _feel
    by_target = {p.binding.name: p for p in resolved.active if p.binding.type == "zeebe:input"}
    local: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for entry in view.inputs:
        target = entry["target"]
        source = entry.get("source")
        try:
            value = _evaluate(source, {**(variables or {}), **local}, run)
        except Exception as exc:  # the FEEL engine's errors carry a readable message
            prop = by_target.get(target)
            errors.setdefault(field_key(prop) if prop else target, []).append(str(exc))
            value = None
        assign_path(local, target, value)
    retries_text = view.task_definition.get("retries")
    return Job(
        type=view.task_definition.get("type"),
        retries=_retries(retries_text),
        variables=local,
        headers={h["key"]: h["value"] for h in view.headers},
        properties={p["name"]: p.get("value", "") for p in view.properties},
        errors=errors,
    )


# Seconds one input's FEEL may take: forms evaluate typed expressions in a web request.
FEEL_TIME_LIMIT = 2.0


def _evaluate(source: str | None, context: Mapping[str, Any], run: Evaluate) -> Any:
    if source is None:
        return None  # Zeebe maps an input without source to null
    if not source.startswith("="):
        return source  # a static value is taken literally, as a string
    return run(source[1:], context)


def _feel(expression: str, context: Mapping[str, Any]) -> Any:
    from connectors import feel  # imported late: FEEL is heavier than the rest of this module

    # Zeebe's engine is feel-scala: a call no function accepts gives null, not an incident
    value = feel.evaluate(
        expression, dict(context), unknown_functions="null", time_limit=FEEL_TIME_LIMIT
    )
    return feel.to_json(value)


def assign_path(target: dict[str, Any], path: str, value: Any) -> None:
    """`a.b.c` creates nested objects, as Zeebe does for dotted input targets."""
    *parents, last = path.split(".")
    node = target
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


def _retries(text: str | None) -> int:
    if text is None:
        return DEFAULT_RETRIES
    number = js_number(text.lstrip("="))
    return int(number) if number == number and number >= 0 else DEFAULT_RETRIES


def retries_problem(text: str) -> str | None:
    """Why Zeebe would refuse this `retries` attribute (None: it takes it): a whole number of
    zero or more, or an `=` expression that Zeebe evaluates when the job is created."""
    # an expression (`=5` included) only Zeebe, with the process's variables, can check
    if text.startswith("=") or _WHOLE_NUMBER.fullmatch(text.strip()):
        return None
    return f"use a whole number such as 3; {text!r} is not one"


_WHOLE_NUMBER = re.compile(r"[0-9]+")


# -- checking user values ----------------------------------------------------------------------


def check_values(
    template: ElementTemplate,
    values: Mapping[str, Any] | None = None,
    *,
    resolved: Resolved | None = None,
) -> dict[str, list[str]]:
    """`{field_key: [messages]}` for tampered, mistyped or constraint-breaking values ({} = ok).

    `resolved`: `resolve(template, values)` when the caller already has it.
    """
    from connectors.feel.safe_regex import deadline_from_now  # late, as FEEL in _feel

    values = values or {}
    errors: dict[str, list[str]] = {}
    known = {field_key(p): p for p in template.properties}
    for key in values:
        if key not in known:
            errors.setdefault(key, []).append("this template has no such field")
    resolved = resolved or resolve(template, values)
    # one time budget for all patterns, so a template of many slow patterns stays bounded
    deadline = deadline_from_now()
    for prop in resolved.active:
        key = field_key(prop)
        problems = _value_problems(prop, values.get(key), key in values)
        problems += _constraint_problems(prop, resolved.value_of(prop), key in values, deadline)
        problems += _job_rule_problems(prop, resolved.value_of(prop))
        if problems:
            errors.setdefault(key, []).extend(problems)
    return errors


def _value_problems(prop: Property, value: Any, given: bool) -> list[str]:
    if not given or value is None:
        return []
    if prop.type == "Hidden" or prop.editable is False:
        return [] if value == prop.value else ["this field cannot be changed"]
    if prop.type == "Configuration":
        return _configuration_problems(value)
    expression = isinstance(value, str) and value.startswith("=")
    if expression and feel_mode(prop) is None:
        return ["this field does not accept FEEL expressions"]
    if prop.type == "Boolean" and not expression and not isinstance(value, bool):
        return ["must be true or false"]
    if prop.type == "Number" and not expression:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return ["must be a number"]
        if js_number(value) != js_number(value):
            return ["must be a number"]
    if prop.type in ("String", "Text", "Dropdown") and not isinstance(value, str):
        return ["must be text"]
    if prop.type == "Dropdown" and not expression:
        choices = [c.value for c in prop.choices or []]
        if value not in choices:
            return ["is not one of the choices"]
    return []


def _configuration_problems(value: Any) -> list[str]:
    """A Configuration holds what the Modeler writes for a chosen configuration, or nothing."""
    if value == "" or referenced_name(value) is not None:
        return []
    return ["must name a credential, as =camunda.vars.env.NAME (choose one from the list)"]


def _job_rule_problems(prop: Property, stored: Any) -> list[str]:
    """What the worker or Zeebe would refuse in the job this value writes: the retries, and the
    `retryBackoff`/`jobTimeout` headers (connectors.runtime's own check, said plainly)."""
    text = xml_text(stored)
    if not text or not _truthy(stored):
        return []  # nothing is written: the header or attribute is left out
    label = prop.label or prop.binding.key or prop.binding.property or "This field"
    binding = prop.binding
    if binding.type == "zeebe:taskDefinition" and binding.property == "retries":
        problem = retries_problem(text)
        return [f"{label}: {problem}."] if problem else []
    if binding.type != "zeebe:taskHeader" or binding.key not in DURATION_EXAMPLES:
        return []
    from connectors.runtime import header_refusals, parse_duration  # late: the runtime is heavy

    if binding.key not in header_refusals({binding.key: text}):
        return []
    try:
        parse_duration(text)
    except ValueError:
        example = DURATION_EXAMPLES[binding.key]
        return [f"{label}: use an ISO-8601 duration such as {example}; {text!r} is not one."]
    return [f"{label}: must be longer than zero, such as PT10M; {text!r} is not."]


# Header key -> the durations a message suggests (the runtime refuses other values).
DURATION_EXAMPLES = {
    "retryBackoff": "PT30S (30 seconds) or PT5M",
    "jobTimeout": "PT10M (10 minutes) or PT1H",
}


def _constraint_problems(prop: Property, stored: Any, given: bool, deadline: float) -> list[str]:
    constraints = prop.constraints
    if constraints is None or (prop.editable is False) or prop.type == "Hidden":
        return []
    text = "" if stored is None else xml_text(stored) or ""
    label = prop.label or "This field"
    if constraints.not_empty and not text.strip():
        return [f"{label} must not be empty."]
    if not text or text.startswith("="):
        return []  # the Modeler checks lengths and patterns on literal text only
    problems: list[str] = []
    if constraints.min_length is not None and len(text) < constraints.min_length:
        problems.append(f"{label} must have at least {int(constraints.min_length)} characters.")
    if constraints.max_length is not None and len(text) > constraints.max_length:
        problems.append(f"{label} must have at most {int(constraints.max_length)} characters.")
    if constraints.pattern_value is not None:
        problems += _pattern_problems(label, constraints, text, deadline)
    return problems


def _pattern_problems(
    label: str, constraints: Constraints, text: str, deadline: float
) -> list[str]:
    """JavaScript's `new RegExp(pattern).test(text)` for the patterns templates use."""

    pattern = constraints.pattern_value or ""
    try:
        if compile_pattern(ecma_to_rust_regex(pattern)).search(text, deadline):
            return []
    except RegexSyntaxError:
        return []  # an expression Python cannot read is not the user's fault
    except RegexTooComplex as error:
        return [f"{label} could not be checked against the pattern {pattern}: {error}."]
    message = constraints.pattern_message
    return [f"{label} {message}" if message else f"{label} must match {pattern}."]
