"""Binding the job's variables to the connector's input model, with Camunda's messages.

Follows `io.camunda.connector.runtime.core.outbound.JobHandlerContext#mapJson` and
`io.camunda.connector.runtime.core.validation.ValidationUtil` (the message lists every field:
` - Property: <path>: Validation failed. Original message: <msg>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from connectors.sdk import ConnectorInputError, OutboundConnector

from .errors import value_free as _value_free


def _bind(
    connector: OutboundConnector, variables: dict[str, Any], *, typed: Mapping[str, Any]
) -> BaseModel:
    """Validate the job's variables into the input model; problems name their field, never
    its value: VARIABLES hold the secrets' values, so paths are read from TYPED (the job's
    variables as given, references unresolved) and messages leave the input out."""
    try:
        return connector.input.model_validate(variables)
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
        paths = [_input_path(problem["loc"], typed) for problem in problems]
        lines = [
            f" - Property: {path or '(input)'}: Validation failed. "
            f"Original message: {_problem_message(problem)}"
            for path, problem in zip(paths, problems, strict=True)
        ]
        error = ConnectorInputError(
            "Found constraints violated while validating input:\n" + "\n".join(lines)
        )
        error.field = paths[0] or None if paths else None
        raise _value_free(error) from None


def _input_path(loc: tuple[int | str, ...], variables: Any) -> str:
    """LOC as the dotted path of the input it names. pydantic puts the tag of a union member
    (`authentication.bearer.token`) or its model name in the location; such a part names no
    input, so a part that is not a key where the input has one, and is not the last, is left
    out (`authentication.token`)."""
    parts: list[str] = []
    current = variables
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, Mapping) and isinstance(part, str) and part not in current:
            if not last:
                continue  # a union tag or model name
            if current and not _declared(part):
                part = "(a key computed from the value)"  # e.g. by FEEL: it may hold a secret
        parts.append(str(part))
        current = _member(current, part)
    return ".".join(parts)


def _declared(part: str) -> bool:
    """Whether PART looks like a field name an input model declares (not computed data)."""
    return part.isidentifier()


def _problem_message(problem: Any) -> str:
    """pydantic's message, except for an empty field: a blank form field binds null, and
    "Input should be a valid string" would not tell the user that it is simply missing."""
    given = problem.get("input", "")
    if problem["type"].endswith("_type") and given is None:
        return "must not be empty (no value was given)"
    message = str(problem["msg"])
    if isinstance(given, str) and given:
        # pydantic quotes the input in a few messages (an unknown union tag): leave it out
        message = message.replace(repr(given), "the given value")
        message = message.replace(f"'{given}'", "the given value")
    return message


def _member(value: Any, part: int | str) -> Any:
    if isinstance(value, Mapping):
        return value.get(part)
    if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
        return value[part]
    return None
