"""Camunda's JDBC variables (Jdbi's binding) turned into driver parameters.

Jdbi reads `:name` as a named parameter, `?` as a positional one and `<name>` as a list bound
to a named parameter (`IN (<ids>)`); text in quotes and comments is left alone. The drivers here
(psycopg, PyMySQL) take `%s` placeholders with the values passed separately, so the statement is
rewritten placeholder by placeholder and the values never become part of the SQL text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from connectorhub_sdk import ConnectorError

# One token at a time: quoted text and comments (kept), `::` casts (kept), `<name>`, `:name`,
# `?`, and `%` (doubled, as the drivers' own placeholder syntax uses it).
_TOKEN = re.compile(
    r"""
    (?P<keep>'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|--[^\n]*|/\*.*?\*/|::)
    |<(?P<list>[A-Za-z_][A-Za-z0-9_]*)>
    |:(?P<named>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<positional>\?)
    |(?P<percent>%)
    """,
    re.VERBOSE | re.DOTALL,
)


class BindingError(ValueError):
    """The variables do not fit the statement (a missing or extra parameter)."""


def bind(query: str, variables: Any) -> tuple[str, list[Any]]:
    """The statement with `%s` placeholders and the values in their order."""
    values: list[Any] = []
    position = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal position
        if match.group("keep") is not None:
            return match.group("keep").replace("%", "%%")  # the drivers read % everywhere
        if match.group("percent") is not None:
            return "%%"
        if match.group("positional") is not None:
            if not isinstance(variables, list):
                raise BindingError(f"Missing positional parameter {position} in binding")
            if position >= len(variables):
                raise BindingError(f"Missing positional parameter {position} in binding")
            values.append(driver_value(variables[position]))
            position += 1
            return "%s"
        name = match.group("list") or match.group("named")
        if not isinstance(variables, dict) or name not in variables:
            raise BindingError(f"Missing named parameter '{name}' in binding")
        value = variables[name]
        if match.group("list") is not None:
            items = value if isinstance(value, list) else [value]
            if not items:
                raise BindingError(f"The list bound to <{name}> is empty")
            values.extend(driver_value(item) for item in items)
            return ", ".join(["%s"] * len(items))
        values.append(driver_value(value))
        return "%s"

    statement = _TOKEN.sub(replace, query)
    return statement, values


def driver_value(value: Any) -> Any:
    """JSON values as the drivers take them; an object or a list (outside `<name>`) goes as
    JSON text, as Jackson writes it when Jdbi binds a map."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def check_variables(variables: Any) -> Any:
    """Only an object (named) or a list (positional) can be bound, as in Camunda."""
    if variables is None or isinstance(variables, dict | list):
        return variables
    raise ConnectorError(
        None,
        f"Unexpected type: {type(variables).__name__}. Only Map and List are supported.",
    )
