"""The hub's `prepare_job`: the one translation with the registry's connector-input check.

`connectors.elementtemplates.prepare_job` owns the translation and every value check; this
binds the check that needs the hub's registry (connector_inputs) so the form, the jobs API,
a dry-run and the export all refuse the same values with the same messages. It also reads
the sample variables a user typed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connectors.elementtemplates import ElementTemplate, PreparedJob, prepare_job

from .connector_inputs import input_problems

VARIABLES_FIELD = "variables"
MAX_VARIABLES_BYTES = 256 * 1024

Checked = PreparedJob  # the name the form's code has used


def check(
    template: ElementTemplate,
    values: Mapping[str, Any],
    variables: Mapping[str, Any] | None = None,
) -> PreparedJob:
    """Everything wrong with `values`, and the job they produce with `variables` as context.

    `variables=None` (the export): expressions are not evaluated, as in the Modeler.
    """
    return prepare_job(template, values, variables, connector_check=input_problems)


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
