"""A service account's JSON key and the access token it buys, as Google's auth library for Java
does it for Camunda's connector (ServiceAccountCredentials: `fromStream`, then a signed JWT
assertion exchanged at the key's `token_uri`, RFC 7523). The token endpoint is the key's own, so
a key for a private endpoint (or a test's local one) works unchanged.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from connectorhub_sdk import ConnectorContext, ConnectorInputError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.builtin.http.client import HttpCall

from .common import StorageError, json_body, send

DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
# StorageOptions' scope for the JSON API
SCOPE = "https://www.googleapis.com/auth/devstorage.full_control"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LIFETIME = 3600  # seconds a signed assertion is valid, the library's default
# Camunda's ObjectStorageExecutor.getSAC: any key the library cannot read
BAD_KEY = "Authentication failed for provided service account credentials"


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: rsa.RSAPrivateKey
    private_key_id: str | None
    token_uri: str


def service_account(text: str) -> ServiceAccount:
    """The JSON key of a service account, or an input error naming `authentication.jsonKey`
    (with what is wrong, never the key itself)."""
    try:
        key = json.loads(text)
    except ValueError:
        raise _bad("it is not JSON") from None
    if not isinstance(key, dict):
        raise _bad("it is not a JSON object")
    if key.get("type") != "service_account":
        raise _bad(f"its type is '{key.get('type')}', not 'service_account'")
    email, pem = key.get("client_email"), key.get("private_key")
    if not isinstance(email, str) or not email or not isinstance(pem, str) or not pem:
        raise _bad("client_email and private_key are required")
    try:
        private_key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise _bad("its private_key is not a PEM private key") from None
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise _bad("its private_key is not an RSA key")
    key_id = key.get("private_key_id")
    token_uri = key.get("token_uri") or DEFAULT_TOKEN_URI
    return ServiceAccount(email, private_key, str(key_id) if key_id else None, str(token_uri))


def _bad(why: str) -> ConnectorInputError:
    return ConnectorInputError(f"{BAD_KEY} ({why})", field="authentication.jsonKey")


def assertion(account: ServiceAccount, now: float | None = None) -> str:
    """The signed JWT (RS256) the token endpoint exchanges for an access token."""
    issued = int(time.time() if now is None else now)
    header = {"alg": "RS256", "typ": "JWT"}
    if account.private_key_id:
        header["kid"] = account.private_key_id
    claims = {"iss": account.client_email, "scope": SCOPE, "aud": account.token_uri,
              "iat": issued, "exp": issued + LIFETIME}  # fmt: skip
    signing_input = f"{_b64(json.dumps(header))}.{_b64(json.dumps(claims))}"
    signature = account.private_key.sign(
        signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{signing_input}.{_b64(signature)}"


def access_token(account: ServiceAccount, context: ConnectorContext) -> str:
    """A fresh access token (one per run, as Camunda builds a client per job); a refusal is the
    library's IOException text, surfaced by the Storage client as a StorageException."""
    form = urlencode({"grant_type": JWT_BEARER, "assertion": assertion(account)})
    call = HttpCall(
        "POST",
        account.token_uri,
        [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
        content=form.encode(),
        url_field="authentication.jsonKey",
        sensitive_fields=("assertion", "access_token", "id_token"),
    )
    reply = send(call, context, f"Google token · service account {account.client_email}")
    body = json_body(reply)
    token = body.get("access_token")
    if reply.status != 200 or not isinstance(token, str) or not token:
        reason = body.get("error_description") or body.get("error") or f"HTTP {reply.status}"
        raise StorageError(
            "com.google.cloud.storage.StorageException",
            f"Error getting access token for service account: {reason}, "
            f"iss: {account.client_email}",
        )
    return token


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
