"""Encryption at rest with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

CONNECTORHUB_SECRETS_KEY holds one key or several separated by commas. The first encrypts; all of
them decrypt, which is what makes a rotation possible without downtime (MultiFernet).
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from connectors.secrets.errors import SecretDecryptError, SecretsKeyError

KEY_SETTING = "CONNECTORHUB_SECRETS_KEY"


def generate_key() -> str:
    return Fernet.generate_key().decode()


def parse_keys(raw: str, source: str = KEY_SETTING) -> tuple[str, ...]:
    """The keys in RAW (comma-separated); a malformed one is named by position, never shown."""
    keys = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not keys:
        raise SecretsKeyError(f"{source} is empty: it must hold at least one Fernet key.")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, binascii.Error):
            raise SecretsKeyError(
                f"{source}: key {position} of {len(keys)} is not a Fernet key (32 bytes, url-safe "
                "base64, 44 characters). Generate one with "
                "`python manage.py rotate_secrets_key --generate`."
            ) from None
    return keys


class SecretCipher:
    """Encrypts and decrypts secret values with the configured keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise SecretsKeyError(f"{KEY_SETTING} holds no key.")
        self._primary = Fernet(keys[0])
        self._all = MultiFernet([Fernet(key) for key in keys])
        self.key_count = len(keys)

    def __repr__(self) -> str:
        return f"SecretCipher({self.key_count} key(s))"

    def encrypt(self, value: str) -> str:
        return self._all.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str, name: str) -> str:
        try:
            return self._all.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretDecryptError(name) from None

    def rotate(self, token: str, name: str) -> str:
        """TOKEN re-encrypted under the first key (it may be encrypted under any of them)."""
        try:
            return self._all.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise SecretDecryptError(name) from None

    def uses_primary_key(self, token: str) -> bool:
        try:
            self._primary.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True
