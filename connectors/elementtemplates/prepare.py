"""Template + values (+ sample variables) -> the job and every problem: the one translation.

The configure form, the jobs API, a dry-run (`run_start`), the BPMN export and "save as
connector" all call `prepare_job`, so a value one of them refuses is refused by all of them
with the same field and message, and the job a dry-run runs is the job the form previews.

What it checks, per field (`field_key`):
- `check_values`: unknown fields, tampered read-only values, types, choices, constraints
  (notEmpty, min/maxLength, pattern), retries and duration headers;
- a value in a field of a type the hub cannot set (Modeler-only editors);
- FEEL syntax of the `=` values Zeebe evaluates;
- with sample variables: the input mappings that cannot be evaluated with them;
- `connector_check`: what the job type's own connector refuses (the hub passes its registry's
  input-model check; this package does not know the registry, which needs the plugins).

Without sample variables (`variables=None`, the export) expressions are not evaluated: the
Modeler does not evaluate them either, and their real context is the process instance's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors import feel
from connectors.credentials.references import cluster_context, referenced_name

from .job import Job, Resolved, build_job, check_values, field_key, resolve
from .model import ElementTemplate, Property

# Bindings whose "=" values Zeebe evaluates as FEEL (headers and zeebe:property stay text).
EVALUATED_BINDINGS = frozenset({"zeebe:input", "zeebe:output"})

# Bindings whose properties are Strings when the template names no type (as in the Modeler).
DEFAULT_TYPE_BINDINGS = frozenset(
    {
        "property",
        "zeebe:taskDefinition:type",
        "zeebe:taskDefinition",
        "zeebe:input",
        "zeebe:output",
        "zeebe:property",
        "zeebe:taskHeader",
    }
)
# The property types the hub has an editor for; the rest the Modeler alone can set.
SUPPORTED_TYPES = frozenset(
    {"String", "Text", "Number", "Boolean", "Dropdown", "Hidden", "Configuration"}
)
UNSUPPORTED_MESSAGE = "the hub cannot set this field; leave it empty"
UNEVALUATED_PREFIX = "cannot be evaluated with the sample variables: "

# (resolved, job) -> {field_key: [messages]} of what the job type's connector refuses.
ConnectorCheck = Callable[[Resolved, Job], dict[str, list[str]]]


@dataclass
class PreparedJob:
    """The resolved template, the job for these values, and `{field_key: [messages]}`."""

    resolved: Resolved
    job: Job
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def prepare_job(
    template: ElementTemplate,
    values: Mapping[str, Any],
    variables: Mapping[str, Any] | None = None,
    *,
    connector_check: ConnectorCheck | None = None,
) -> PreparedJob:
    """The job for `values` with `variables` as the expressions' context, and what is wrong.

    `variables=None`: no sample variables (the export); expressions are then not evaluated.
    """
    resolved = resolve(template, values)
    errors = check_values(template, values, resolved=resolved)
    for prop in resolved.active:
        key = field_key(prop)
        problems = _unsupported(prop, values.get(key)) + _syntax(prop, resolved.value_of(prop))
        if problems:
            errors.setdefault(key, []).extend(problems)
    job = build_job(template, values, _with_cluster(resolved, variables), resolved=resolved)
    if variables is not None:
        for key, messages in job.errors.items():
            if key not in errors:  # a syntax error already says why it could not be evaluated
                errors[key] = [UNEVALUATED_PREFIX + m for m in messages]
    if connector_check is not None:
        for key, messages in connector_check(resolved, job).items():
            errors.setdefault(key, messages)  # a field's own check already said what is wrong
    return PreparedJob(resolved, job, errors)


def _with_cluster(resolved: Resolved, variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """VARIABLES plus `camunda.vars.env.NAME` for each chosen configuration: the hub's stand-in
    for Camunda's cluster variables evaluates to the credential's marker, never its values."""
    names = [
        name
        for prop in resolved.active
        if prop.type == "Configuration"
        and (name := referenced_name(resolved.value_of(prop))) is not None
    ]
    return {**(variables or {}), **cluster_context(names)} if names else dict(variables or {})


def property_type(prop: Property) -> str | None:
    """The type the Modeler uses; None when it would render no entry at all."""
    if prop.type:
        return prop.type
    return "String" if prop.binding.type in DEFAULT_TYPE_BINDINGS else None


def feel_problems(stored: str) -> list[str]:
    """Syntax and call problems of a stored `=expression` (nothing for plain text)."""
    if not stored.startswith("="):
        return []
    body = stored[1:]
    if not body.strip():
        return ["the FEEL expression is empty"]
    return [_problem_text(p, body) for p in feel.check(body)]


def _unsupported(prop: Property, given: Any) -> list[str]:
    if property_type(prop) in SUPPORTED_TYPES or given in (None, ""):
        return []
    return [UNSUPPORTED_MESSAGE]


def _syntax(prop: Property, stored: Any) -> list[str]:
    evaluated = prop.binding.type in EVALUATED_BINDINGS or prop.feel in ("optional", "required")
    return feel_problems(stored) if evaluated and isinstance(stored, str) else []


def _problem_text(problem: feel.Problem, body: str) -> str:
    where = f"column {problem.column}"
    if "\n" in body:
        where = f"line {problem.line}, column {problem.column}"
    return f"FEEL: {problem.message} ({where})"
