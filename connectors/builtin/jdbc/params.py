"""Camunda's JDBC variables (Jdbi's binding) turned into driver parameters.

Jdbi reads `:name` as a named parameter, `?` as a positional one and `<name>` as a list bound
to a named parameter (`IN (<ids>)`); text in quotes and comments is left alone. psycopg, PyMySQL
and python-tds take `%s` placeholders ("format"), python-oracledb `:1`, `:2`... ("numeric"), with
the values passed separately, so the statement is rewritten placeholder by placeholder and the
values never become part of the SQL text.
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


def bind(query: str, variables: Any, style: str = "format") -> tuple[str, list[Any]]:
    """The statement with the driver's placeholders (`style`: "format" or "numeric") and the
    values in their order."""
    values: list[Any] = []
    position = 0
    numeric = style == "numeric"

    def mark() -> str:
        return f":{len(values)}" if numeric else "%s"

    def replace(match: re.Match[str]) -> str:
        nonlocal position
        if match.group("keep") is not None:  # "format" drivers read % everywhere
            return match.group("keep") if numeric else match.group("keep").replace("%", "%%")
        if match.group("percent") is not None:
            return "%" if numeric else "%%"
        if match.group("positional") is not None:
            if not isinstance(variables, list):
                raise BindingError(f"Missing positional parameter {position} in binding")
            if position >= len(variables):
                raise BindingError(f"Missing positional parameter {position} in binding")
            values.append(driver_value(variables[position]))
            position += 1
            return mark()
        name = match.group("list") or match.group("named")
        if not isinstance(variables, dict) or name not in variables:
            raise BindingError(f"Missing named parameter '{name}' in binding")
        value = variables[name]
        if match.group("list") is not None:
            items = value if isinstance(value, list) else [value]
            if not items:
                raise BindingError(f"The list bound to <{name}> is empty")
            marks = []
            for item in items:
                values.append(driver_value(item))
                marks.append(mark())
            return ", ".join(marks)
        values.append(driver_value(value))
        return mark()

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
