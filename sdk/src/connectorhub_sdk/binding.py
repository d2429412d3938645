"""Binding a job's variables to a connector's input model, with Camunda's messages (the
validation step of Camunda's connector runtime: DefaultValidationProvider's "Found constraints
violated while validating input").

Validation is pydantic's lax mode, close to Jackson's; the loose types in
`connectorhub_sdk.types` read what Camunda's `@FEEL` deserializer reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from connectorhub_sdk.declaration import OutboundConnector
from connectorhub_sdk.errors import InputBindingError


def bind_input(
    connector: OutboundConnector,
    variables: Mapping[str, Any],
    *,
    typed: Mapping[str, Any] | None = None,
) -> BaseModel:
    """VARIABLES validated into the connector's input model.

    Raises InputBindingError listing every problem by its dotted input path, never with the
    value: VARIABLES may hold secrets' values, so paths are read from TYPED (the variables as
    given, secret references unresolved; default: VARIABLES) and messages leave the input out.
    """
    try:
        return connector.input.model_validate(variables)
    except ValidationError as exc:
        problems = exc.errors(include_url=False)
        given = variables if typed is None else typed
        paths = [_input_path(problem["loc"], given) for problem in problems]
        lines = [
            f" - Property: {path or '(input)'}: Validation failed. "
            f"Original message: {_problem_message(problem)}"
            for path, problem in zip(paths, problems, strict=True)
        ]
        error = InputBindingError(
            "Found constraints violated while validating input:\n" + "\n".join(lines)
        )
        error.field = paths[0] or None if paths else None
        raise error from None


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


__all__ = ["bind_input"]
