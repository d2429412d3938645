"""Where secret values come from: the provider protocol and the providers that need no database.

A provider needs `get(name)` only. What else it offers is one of the optional capabilities
below, each a runtime-checkable protocol that is tested with `isinstance` in exactly one helper
(`describe_secret`, `label_of`, `host_rule`, `owner_rule`, `members_of`), so the rest of the hub
asks those helpers and never probes a provider by attribute name (docs/secrets.md, "Writing a
secrets provider"). The database provider lives in `store.py` (it needs Django); a vault
provider is one more class with a `get` method.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
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


# --------------------------------------------------------------------------------------------
# Optional capabilities: a provider offers one by having the method or attribute
# --------------------------------------------------------------------------------------------


@runtime_checkable
class DescribesSecrets(Protocol):
    """Says where NAME is looked for; used in the message of a missing secret."""

    def describe(self, name: str) -> str: ...


@runtime_checkable
class RestrictsHosts(Protocol):
    """The host patterns NAME may be sent to (empty: anywhere); enforced on every connection."""

    def allowed_hosts(self, name: str) -> Sequence[str]: ...


@runtime_checkable
class MarksBorrowed(Protocol):
    """Whether NAME belongs to someone other than the person a dry-run acts for; what is
    computed from a borrowed value is kept out of what the run shows."""

    def borrowed(self, name: str) -> bool: ...


@runtime_checkable
class ProviderChain(Protocol):
    """A provider made of others, asked in order (used to say which one answers for a name)."""

    @property
    def providers(self) -> Sequence[SecretProvider]: ...


@runtime_checkable
class Labelled(Protocol):
    """A short name for the provider ("database", "environment") in messages."""

    @property
    def label(self) -> str: ...


HostRule = Callable[[str], Sequence[str]]
OwnerCheck = Callable[[str], bool]


def describe_secret(provider: SecretProvider, name: str) -> str | None:
    """Where PROVIDER looks for NAME, or None when it does not say."""
    return str(provider.describe(name)) if isinstance(provider, DescribesSecrets) else None


def label_of(provider: SecretProvider) -> str:
    """PROVIDER's label, else its class name."""
    return str(provider.label) if isinstance(provider, Labelled) else type(provider).__name__


def host_rule(provider: SecretProvider) -> HostRule | None:
    """PROVIDER's per-secret host lists, or None when it keeps no host rule."""
    return provider.allowed_hosts if isinstance(provider, RestrictsHosts) else None


def owner_rule(provider: SecretProvider) -> OwnerCheck | None:
    """PROVIDER's rule for borrowed secrets, or None when it knows no owners."""
    return provider.borrowed if isinstance(provider, MarksBorrowed) else None


def members_of(provider: SecretProvider) -> list[SecretProvider]:
    """The providers of a chain in order; a single provider is its own only member."""
    return list(provider.providers) if isinstance(provider, ProviderChain) else [provider]


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
            lookup = host_rule(provider)
            if lookup is not None and (hosts := lookup(name)):
                return list(hosts)
        return []

    def describe(self, name: str) -> str:
        """Where NAME was looked for, for the message of a missing secret."""
        places = []
        for provider in self.providers:
            where = describe_secret(provider, name)
            places.append(where if where is not None else label_of(provider))
        return "looked in: " + ", ".join(places) if places else "no secret providers configured"
