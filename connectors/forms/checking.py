"""Values + sample variables -> the job and every problem, for the form, the API and a dry-run.

`connectors.elementtemplates` owns the translation and the value checks (`check_values`,
`build_job`); this adds what a form needs on top: FEEL syntax problems of the expressions
Zeebe will evaluate, fields the hub cannot set, the static values the connector's own input
model refuses (connector_inputs), and the sample variables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors import feel
from connectors.elementtemplates import ElementTemplate, Job, Resolved, build_job, field_key
from connectors.elementtemplates.job import check_values, resolve

from .connector_inputs import input_problems
from .fields import SUPPORTED_TYPES, property_type

# Bindings whose "=" values Zeebe evaluates as FEEL (headers and zeebe:property stay text).
EVALUATED_BINDINGS = frozenset({"zeebe:input", "zeebe:output"})
VARIABLES_FIELD = "variables"
MAX_VARIABLES_BYTES = 256 * 1024


@dataclass
class Checked:
    """The job for these values, and `{field_key: [messages]}` ({} when it can run)."""

    resolved: Resolved
    job: Job
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check(
    template: ElementTemplate,
    values: Mapping[str, Any],
    variables: Mapping[str, Any] | None = None,
) -> Checked:
    """Everything wrong with `values`, and the job they produce with `variables` as context."""
    resolved = resolve(template, values)
    errors = check_values(template, values, resolved=resolved)
    for prop in resolved.active:
        key = field_key(prop)
        kind = property_type(prop)
        if kind not in SUPPORTED_TYPES and values.get(key) not in (None, ""):
            errors.setdefault(key, []).append("the hub cannot set this field; leave it empty")
        stored = resolved.value_of(prop)
        if _evaluated(prop.binding.type, prop.feel) and isinstance(stored, str):
            problems = feel_problems(stored)
            if problems:
                errors.setdefault(key, []).extend(problems)
    job = build_job(template, values, variables or {}, resolved=resolved)
    for key, messages in job.errors.items():
        if key not in errors:  # a syntax error already explains why it could not be evaluated
            errors[key] = [f"cannot be evaluated with the sample variables: {m}" for m in messages]
    for key, messages in input_problems(resolved, job).items():
        errors.setdefault(key, messages)  # a field's own check already said what is wrong
    return Checked(resolved, job, errors)


def feel_problems(stored: str) -> list[str]:
    """Syntax and call problems of a stored `=expression` (nothing for plain text)."""
    if not stored.startswith("="):
        return []
    body = stored[1:]
    if not body.strip():
        return ["the FEEL expression is empty"]
    return [_problem_text(p, body) for p in feel.check(body)]


def _problem_text(problem: feel.Problem, body: str) -> str:
    where = (
        f"column {problem.column}"
        if "\n" not in body
        else (f"line {problem.line}, column {problem.column}")
    )
    return f"FEEL: {problem.message} ({where})"


def _evaluated(binding_type: str, mode: str | None) -> bool:
    return binding_type in EVALUATED_BINDINGS or mode in ("optional", "required")


def parse_variables(text: str) -> tuple[dict[str, Any], list[str]]:
    """The sample variables a user typed: a JSON object, or messages saying what is wrong."""
    if not text.strip():
        return {}, []
    if len(text.encode()) > MAX_VARIABLES_BYTES:
        return {}, [f"at most {MAX_VARIABLES_BYTES // 1024} kB of sample variables"]
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            return {}, [str(exc)]
        return {}, [f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
    except RecursionError:
        return {}, ["nested too deeply"]
    if not isinstance(data, dict):
        return {}, ['must be a JSON object of variable names, like {"orderId": 42}']
    return data, []


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"not valid JSON: {name} is not a JSON number")
