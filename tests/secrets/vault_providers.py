"""Secrets providers as a user would write them for a vault, named by dotted path in
CONNECTORHUB_SECRETS_PROVIDERS (the hub builds them with no arguments).

`GetOnlyVault` implements the required `get` and nothing else; `CapableVault` adds the
optional `describe`, `allowed_hosts` and `label` (docs/secrets.md, "Writing a secrets
provider"). Their values are class attributes so that a test can set them before the hub
builds the provider.
"""

from __future__ import annotations

from typing import ClassVar


class GetOnlyVault:
    values: ClassVar[dict[str, str]] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)


class CapableVault:
    values: ClassVar[dict[str, str]] = {}
    hosts: ClassVar[dict[str, list[str]]] = {}
    label = "vault"

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def describe(self, name: str) -> str:
        return f"vault path kv/{name}"

    def allowed_hosts(self, name: str) -> list[str]:
        return self.hosts.get(name, [])
