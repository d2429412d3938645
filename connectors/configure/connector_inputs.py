"""The connector's own input model over the values a form knows before a run.

A job type served by a registered Python connector is bound by the runtime into that
connector's pydantic input model; a value the model refuses fails the run with Camunda's
"Found constraints violated" text. The form runs the same model over the job it would build,
so the same rule refuses the value on its field, before a run and in plain words.

Only static values are checked: an `=` expression depends on the process's variables, and a
secret reference on the secret's value, so both are left out, and a problem inside what was
left out (a missing field, say) is not reported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from connectors.elementtemplates import Job, Resolved, field_key
from connectors.elementtemplates.job import assign_path, bpmn_view
from connectors.elementtemplates.model import Property
from connectors.registry import UnknownJobType, default_registry

LEFT_OUT = object()


def input_problems(resolved: Resolved, job: Job) -> dict[str, list[str]]:
    """{field_key: [messages]} for the static values the connector's input model refuses."""
    model = _input_model(job.type)
    if model is None:
        return {}
    by_target = {p.binding.name: p for p in resolved.active if p.binding.type == "zeebe:input"}
    data: dict[str, Any] = {}
    left_out: list[str] = []
    for entry in bpmn_view(resolved.template, resolved=resolved).inputs:
        target, value = entry["target"], _static(entry.get("source"))
        if value is LEFT_OUT:
            left_out.append(target)
        else:
            assign_path(data, target, value)
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return _problems(exc, data, left_out, by_target)
    return {}


def _input_model(job_type: str | None) -> Any:
    if not job_type:
        return None
    try:
        return default_registry().get(job_type).input
    except UnknownJobType:
        return None


def _static(source: str | None) -> Any:
    """The value a worker gets for this input source, or LEFT_OUT when only the run knows it."""
    if source is None:
        return None  # Zeebe maps an input without source to null
    if "secrets." in source:
        return LEFT_OUT
    if not source.startswith("="):
        return source
    try:  # a typed number or boolean the form wrote as `=5` or `=true`
        literal = json.loads(source[1:])
    except ValueError:
        return LEFT_OUT
    return literal if isinstance(literal, int | float | bool) else LEFT_OUT


def _problems(
    exc: ValidationError,
    data: Mapping[str, Any],
    left_out: list[str],
    by_target: Mapping[str | None, Property],
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for problem in exc.errors(include_url=False):
        path = _path(problem["loc"], data)
        if any(_overlaps(path, gone) for gone in left_out):
            continue  # about a value only the run knows
        prop = _property_for(path, by_target)
        if prop is None:
            continue  # an input no field writes: the template's business, not the user's
        label = prop.label or path
        message = f"{label}: {_plain(problem)} (the connector requires it)."
        problems.setdefault(field_key(prop), []).append(message)
    return problems


def _path(loc: tuple[int | str, ...], data: Any) -> str:
    """LOC as a dotted input path; a union tag or model name pydantic adds is left out."""
    parts: list[str] = []
    current = data
    for index, part in enumerate(loc):
        inner = index < len(loc) - 1
        if inner and isinstance(current, Mapping) and isinstance(part, str) and part not in current:
            continue
        parts.append(str(part))
        current = current.get(part) if isinstance(current, Mapping) else None
    return ".".join(parts)


def _overlaps(path: str, other: str) -> bool:
    return path == other or path.startswith(other + ".") or other.startswith(path + ".")


def _property_for(path: str, by_target: Mapping[str | None, Property]) -> Property | None:
    """The field writing PATH, or the nearest one above or below it."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        if (prop := by_target.get(".".join(parts[:end]))) is not None:
            return prop
    below = [p for target, p in by_target.items() if target and target.startswith(path + ".")]
    return below[0] if below else None


def _plain(problem: Mapping[str, Any]) -> str:
    """pydantic's message in the words of a form."""
    kind = str(problem["type"])
    context = problem.get("ctx") or {}
    given = problem.get("input")
    if kind == "missing" or (kind.endswith("_type") and given is None):
        return "must not be empty"
    if kind in ("dict_type", "model_type", "model_attributes_type", "union_tag_not_found"):
        return "must be an object (a FEEL context such as {key: value}), not plain text"
    if kind == "union_tag_invalid":
        if str(context.get("tag")) == "None":
            return "must be chosen"
        return f"must be one of {context.get('expected_tags')}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind == "greater_than_equal":
        return f"must be {context.get('ge')} or more"
    if kind == "less_than_equal":
        return f"must be {context.get('le')} or less"
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty"
    message = str(problem["msg"])
    if isinstance(given, str) and given:
        message = message.replace(repr(given), "the given value")
    return message[:1].lower() + message[1:]
