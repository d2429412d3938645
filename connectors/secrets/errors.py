"""Errors of the secrets area.

Every message names the secret (or the setting) involved and never contains a secret value, so
any of these can be shown to a user, stored in a run or written to a log as it is.
"""

from __future__ import annotations


class SecretError(Exception):
    """Base class: something about a secret prevents a run or an operation."""


class SecretNotFoundError(SecretError):
    """A reference names a secret that no provider has."""

    def __init__(self, name: str, where: str = "") -> None:
        self.name = name
        # Camunda's runtime words it the same way; `where` says which providers were asked.
        message = f"Secret with name '{name}' is not available"
        if where:
            message += f" ({where})"
        super().__init__(message)


class SecretHostNotAllowed(SecretError):
    """A run would send a secret to a host outside that secret's allowed hosts."""

    def __init__(self, name: str, host: str, allowed_hosts: list[str]) -> None:
        self.name = name
        self.host = host
        self.allowed_hosts = allowed_hosts
        super().__init__(
            f"Secret '{name}' may not be sent to {host}; it is allowed only for: "
            + ", ".join(allowed_hosts)
        )


class SecretsKeyError(SecretError):
    """The encryption key is missing or malformed (a configuration problem, not a user's)."""


class SecretDecryptError(SecretError):
    """A stored value cannot be decrypted with the configured key(s); the row is left as it is."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Secret '{name}' cannot be decrypted with the key(s) in CONNECTORHUB_SECRETS_KEY: "
            "it was encrypted under another key. The stored value is unchanged; set the key it "
            "was saved with (old keys may follow the new one, separated by commas)."
        )


class SecretUseRefused(SecretError):
    """A dry-run may not use this secret: the connector or the person running it is not allowed.

    The runtime turns it, like any SecretError, into an input error (0 retries).
    """

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"Secret '{name}' may not be used in this dry-run: {reason}")
