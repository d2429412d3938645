"""How a chosen credential travels from the form to the connector (plain Python, no Django).

1. The form stores what the Modeler writes: `=camunda.vars.env.NAME`
   (bpmn-js-element-templates, ConfigurationProperty `toReference`).
2. Where the hub evaluates input mappings (the job preview, a dry-run's job) the cluster
   variable NAME evaluates to the marker `{{credentials.NAME}}`: the job names the credential
   and holds none of its values.
3. At run time only, `expand` replaces each marker by the credential's object
   (`{authentication: {type, accessKey, secretKey}, region}`), its secret fields as
   `{{secrets.credential:NAME/FIELD}}` references; the runtime's secrets phase then fills them
   in, masks them and audits them like any secret. This mirrors Camunda 8.10, where the engine
   resolves the cluster variable and the connector runtime replaces the secret placeholders it
   holds (connector-runtime-core `ConfigurationValidationService`, `SecretHandler`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

CLUSTER_PREFIX = "=camunda.vars.env."
# A cluster variable name is a FEEL path segment: `-` or `.` would be read as an operator.
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NAME_RULE = "a letter or _ first, then letters, digits and _"
NAME_MAX_LENGTH = 80
MARKER = re.compile(r"\{\{credentials\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)}}")
# The secret names a credential's secret fields are resolved under (never stored as secrets).
SECRET_PREFIX = "credential:"  # noqa: S105  a name prefix, not a password


def reference(name: str) -> str:
    """What the Modeler stores for a chosen configuration NAME."""
    return f"{CLUSTER_PREFIX}{name}"


def referenced_name(value: Any) -> str | None:
    """The configuration NAME a stored `=camunda.vars.env.NAME` value refers to, else None."""
    if not isinstance(value, str) or not value.startswith(CLUSTER_PREFIX):
        return None
    name = value[len(CLUSTER_PREFIX) :].strip()
    return name if NAME_PATTERN.fullmatch(name) else None


def marker(name: str) -> str:
    return "{{credentials." + name + "}}"


def cluster_context(names: Iterable[str]) -> dict[str, Any]:
    """The FEEL context `camunda.vars.env` in which each NAME evaluates to its marker."""
    return {"camunda": {"vars": {"env": {name: marker(name) for name in names}}}}


def secret_name(name: str, field: str) -> str:
    """The secret name FIELD of credential NAME is resolved under at run time."""
    return f"{SECRET_PREFIX}{name}/{field}"


def split_secret_name(secret: str) -> tuple[str, str] | None:
    """(credential name, field) of a `secret_name`, else None (an ordinary secret)."""
    if not secret.startswith(SECRET_PREFIX) or "/" not in secret:
        return None
    name, _, field = secret[len(SECRET_PREFIX) :].partition("/")
    return name, field


def find_markers(value: Any) -> set[str]:
    """The credential names whose markers appear in VALUE (dicts, lists, strings)."""
    found: set[str] = set()
    _walk(value, found)
    return found


def _walk(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        if (match := MARKER.fullmatch(value.strip())) is not None:
            found.add(match["name"])
    elif isinstance(value, Mapping):
        for item in value.values():
            _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)


# name -> the credential's object with secret fields as references; raises LookupError naming it
Shape = Callable[[str], Any]


def expand(value: Any, shape: Shape) -> Any:
    """VALUE with every whole-string marker replaced by `shape(name)` (a copy)."""
    if isinstance(value, str):
        match = MARKER.fullmatch(value.strip())
        return shape(match["name"]) if match is not None else value
    if isinstance(value, Mapping):
        return {key: expand(item, shape) for key, item in value.items()}
    if isinstance(value, list):
        return [expand(item, shape) for item in value]
    return value
