"""TLS for the HTTP client: the REST template's `clientTls` material and the SSL context built
from it, as Camunda's ClientTlsFactory builds it (default trust unless a trusted certificate
replaces it; a client identity from PEM texts)."""

from __future__ import annotations

import hashlib
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from connectorhub_sdk import ConnectorInputError

from .errors import reason
from .pem import normalize_pem


@dataclass(frozen=True)
class TlsMaterial:
    """mTLS and trust settings (the REST template's `clientTls`), PEM texts."""

    client_certificate: str | None = None
    client_private_key: str | None = None
    private_key_password: str | None = None
    trusted_certificate: str | None = None

    @property
    def has_identity(self) -> bool:
        return bool(self.client_certificate and self.client_private_key)

    @property
    def is_configured(self) -> bool:
        return self.has_identity or bool(self.trusted_certificate)

    def key(self) -> str:
        parts = (
            self.client_certificate,
            self.client_private_key,
            self.private_key_password,
            self.trusted_certificate,
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()


def build_ssl_context(tls: TlsMaterial | None, field_name: str) -> ssl.SSLContext:
    """Default trust (certifi, as httpx) unless a trusted certificate replaces it, as Camunda's
    ClientTlsFactory does; the client identity from PEM texts."""
    if tls is None:
        return httpx.create_ssl_context()
    try:
        if tls.trusted_certificate:
            context = ssl.create_default_context(cadata=normalize_pem(tls.trusted_certificate))
        else:
            context = httpx.create_ssl_context()
        if tls.has_identity:
            _load_identity(context, tls)
    except (ssl.SSLError, ValueError, OSError) as exc:
        raise ConnectorInputError(
            f"Failed to build SSL context for mTLS: {reason(exc)}", field="clientTls"
        ) from None
    return context


def _load_identity(context: ssl.SSLContext, tls: TlsMaterial) -> None:
    # ssl reads certificates and keys only from files: a private directory, removed at once
    with tempfile.TemporaryDirectory(prefix="connectorhub-tls-") as folder:
        cert = Path(folder) / "cert.pem"
        key = Path(folder) / "key.pem"
        for path, text in ((cert, tls.client_certificate), (key, tls.client_private_key)):
            path.touch(mode=0o600)
            path.write_text(normalize_pem((text or "").strip()) + "\n")
        context.load_cert_chain(cert, key, password=tls.private_key_password or None)
