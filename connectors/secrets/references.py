"""Secret references inside input values, resolved with the hub's secret providers.

The reference syntax (`{{secrets.NAME}}` and the older bare `secrets.NAME`, with the exact
patterns of Camunda's connector runtime; docs/camunda-compat.md, 1.1) and its replacement live in
the SDK (`connectorhub_sdk.references`), so that the SDK's test helper reads references exactly as
the hub does. This module adds the lookup in a SecretProvider and the record of what was used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectorhub_sdk.references import (
    BARE_PATTERN,
    BRACED_PATTERN,
    find_references,
    find_references_in_text,
    json_escape,
    replace_references,
    replace_references_in_json,
)

from connectors.secrets.errors import SecretNotFoundError
from connectors.secrets.providers import SecretProvider, describe_secret


@dataclass(frozen=True)
class ResolvedSecrets:
    """A value with its references replaced, and the secrets that were used to do it.

    `used` maps each name to its value; it is left out of repr() so that logging this object
    cannot leak a secret.
    """

    value: Any
    used: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.used)


def resolve_references(value: Any, provider: SecretProvider) -> ResolvedSecrets:
    """Replace every reference inside VALUE (dicts, lists and strings, keys included).

    Raises SecretNotFoundError for the first name no provider has; the message names the
    secret, never a value. Each name is looked up once per call.
    """
    lookup = _Lookup(provider)
    resolved = replace_references(value, lookup)
    return ResolvedSecrets(value=resolved, used=dict(lookup.used))


def resolve_references_in_json(text: str, provider: SecretProvider) -> ResolvedSecrets:
    """Replace references inside serialized JSON TEXT, as Camunda does in a job's variables.

    Each value is JSON-escaped as it is inserted, so a value holding quotes, backslashes or
    new lines keeps the document valid and still decodes to the exact value.
    """
    lookup = _Lookup(provider)
    replaced = replace_references_in_json(text, lookup)
    return ResolvedSecrets(value=replaced, used=dict(lookup.used))


class _Lookup:
    """Memoised lookups of one resolution, so a provider is asked at most once per name."""

    def __init__(self, provider: SecretProvider) -> None:
        self.provider = provider
        self.used: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name in self.used:
            return self.used[name]
        value = self.provider.get(name)
        if value is None:
            raise SecretNotFoundError(name, describe_secret(self.provider, name) or "")
        self.used[name] = value
        return value


__all__ = [
    "BARE_PATTERN",
    "BRACED_PATTERN",
    "ResolvedSecrets",
    "find_references",
    "find_references_in_text",
    "json_escape",
    "resolve_references",
    "resolve_references_in_json",
]
