"""Where secret values come from: a small interface and the providers that need no database.

The database provider lives in `store.py` (it needs Django); a vault provider would be one more
class with a `get` method.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from typing import Protocol, runtime_checkable

DEFAULT_ENV_PREFIX = "SECRET_"

# The hub's own credentials are never secrets a connector may use. Django's SECRET_KEY in
# particular would otherwise be `{{secrets.KEY}}` under the default prefix.
RESERVED_VARIABLES = frozenset(
    {
        "SECRET_KEY",
        "SECRET_KEY_FILE",
        "CONNECTORHUB_SECRETS_KEY",
        "CONNECTORHUB_SECRETS_KEY_FILE",
        "DATABASE_URL",
        "REDIS_URL",
    }
)


@runtime_checkable
class SecretProvider(Protocol):
    """Anything that can look a secret up by name; None means "not here, ask the next one"."""

    def get(self, name: str) -> str | None: ...


class EnvironmentSecretProvider:
    """Secrets from environment variables, Camunda's convention: `NAME` is read from `<prefix>NAME`.

    The name is used exactly as written (no upper-casing, no `.`→`_`); an empty prefix makes
    every environment variable readable as a secret, which is why the default is `SECRET_`.
    """

    label = "environment"

    def __init__(
        self,
        prefix: str = DEFAULT_ENV_PREFIX,
        environ: Mapping[str, str] | None = None,
        reserved: Collection[str] = RESERVED_VARIABLES,
    ) -> None:
        self.prefix = prefix
        self.reserved = frozenset(reserved)
        # Read at lookup time, so a variable set after start-up (tests, reloads) is seen.
        self._environ = environ if environ is not None else os.environ

    def get(self, name: str) -> str | None:
        variable = self.prefix + name
        if variable in self.reserved:
            return None
        return self._environ.get(variable)

    def describe(self, name: str) -> str:
        return f"environment variable {self.prefix}{name}"


class MappingSecretProvider:
    """Secrets from a plain mapping: for tests and for callers that already hold the values."""

    label = "mapping"

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def __repr__(self) -> str:
        # Never the values: a provider may end up in a log line or a traceback.
        return f"MappingSecretProvider(names={sorted(self._values)})"


class ChainSecretProvider:
    """Asks each provider in order; the first that has the name wins."""

    label = "chain"

    def __init__(self, providers: Sequence[SecretProvider]) -> None:
        self.providers = list(providers)

    def get(self, name: str) -> str | None:
        for provider in self.providers:
            value = provider.get(name)
            if value is not None:
                return value
        return None

    def allowed_hosts(self, name: str) -> list[str]:
        """The host rule for NAME from the first provider that keeps one (the database does)."""
        for provider in self.providers:
            lookup = getattr(provider, "allowed_hosts", None)
            if callable(lookup) and (hosts := lookup(name)):
                return list(hosts)
        return []

    def describe(self, name: str) -> str:
        """Where NAME was looked for, for the message of a missing secret."""
        places = []
        for provider in self.providers:
            describe = getattr(provider, "describe", None)
            label = getattr(provider, "label", type(provider).__name__)
            places.append(describe(name) if callable(describe) else str(label))
        return "looked in: " + ", ".join(places) if places else "no secret providers configured"
