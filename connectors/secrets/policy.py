"""Who may use which secret in a dry-run: a provider that asks a rule before it hands a value out.

A dry-run acts for whoever can open a form, and what it stores is shown to that person, so the
hub refuses two things before a value is even looked up:

- a connector that declared `accepts_secrets=False` (it hands its input back: a no-op, an
  echo), because redaction masks only exact spellings of a value and a result expression such
  as `substring(response.echo, 2)` would reveal the rest;
- a secret the rule says this person may not use (the hub's rule: `store.dry_run_secret_rule`).

The refusal is a `SecretUseRefused` (a SecretError), which the runtime turns into an input-error
failure naming the secret and the reason. Plain Python: the rule is any callable.

A secret this person may use but does not own is *borrowed* (`borrowed(name)`): its owner let
it go to the hosts they listed, not to the person running the dry-run. The runtime then keeps
everything computed from its value out of what the run shows (docs/secrets.md, "Threat model").
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.secrets.errors import SecretUseRefused
from connectors.secrets.providers import SecretProvider, describe_secret, host_rule

# name -> why it may not be used (None: it may)
UseRule = Callable[[str], str | None]
# name -> whether it belongs to someone other than the person the run acts for
OwnerRule = Callable[[str], bool]

NO_SECRETS_FOR_CONNECTOR = (
    "the connector does not accept secrets (it hands its input back, so the value would be "
    "shown in the run)"
)


class DryRunSecretPolicy:
    """PROVIDER, but `get` first checks the connector and the rule; refusals raise."""

    label = "dry-run policy"

    def __init__(
        self,
        provider: SecretProvider,
        *,
        connector_accepts_secrets: bool,
        user_may_use: UseRule,
        borrowed: OwnerRule | None = None,
    ) -> None:
        self.provider = provider
        self.connector_accepts_secrets = connector_accepts_secrets
        self.user_may_use = user_may_use
        self.is_borrowed = borrowed

    def get(self, name: str) -> str | None:
        # Both checks come before the lookup: a refused value is never decrypted.
        if not self.connector_accepts_secrets:
            raise SecretUseRefused(name, NO_SECRETS_FOR_CONNECTOR)
        if (reason := self.user_may_use(name)) is not None:
            raise SecretUseRefused(name, reason)
        return self.provider.get(name)

    def borrowed(self, name: str) -> bool:
        """Whether NAME belongs to someone else (always False without an owner rule)."""
        return self.is_borrowed is not None and self.is_borrowed(name)

    def allowed_hosts(self, name: str) -> list[str]:
        lookup = host_rule(self.provider)
        return list(lookup(name)) if lookup is not None else []

    def describe(self, name: str) -> str:
        where = describe_secret(self.provider, name)
        return where if where is not None else self.label

    def __repr__(self) -> str:
        return (
            f"DryRunSecretPolicy({self.provider!r}, "
            f"connector_accepts_secrets={self.connector_accepts_secrets})"
        )
