"""JWT authorization of the generic webhook: the bearer token verified with a key of the JWK set
at the element's JWK URL (fetched through the network door, kept 10 minutes).

Facts from camunda/connectors: JWTAuthHandler (the token is the Authorization header without
`Bearer`; the key by the token's `kid`; the algorithm is the key's `alg`, else the token's:
RS256/384/512 and ES256/384/512; expiry is checked, audience and issuer are not; a token that
fails is 401 "JWT auth failed") and WebhookAuthorizationHandler (the JWK provider caches keys
for 10 minutes and refetches at most 10 times a minute). PyJWT does the verification.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any

import jwt as pyjwt
from connectorhub_sdk.network import Network

from . import fetch

ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})
KEYS_TTL = 600.0  # seconds a fetched JWK set is used (Camunda: 10 minutes)
REFETCH_AFTER = 6.0  # an unknown kid refetches at most this often (Camunda: 10 a minute)

_lock = threading.Lock()
_key_sets: dict[str, tuple[float, list[dict[str, Any]]]] = {}  # URL -> (fetched, JWKs)


class KeysUnavailable(Exception):
    """The JWK set could not be fetched or read (the message names the host, not a token)."""


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization")
    if value is None:
        return None
    return value.replace("Bearer", "").strip() or None


def verified_claims(token: str, jwk_url: str, network: Network) -> dict[str, Any] | None:
    """The claims of TOKEN when a key of the JWK set at JWK_URL verifies it; None when the
    token is malformed, signed by an unknown key, forged or expired."""
    try:
        header = pyjwt.get_unverified_header(token)
    except pyjwt.PyJWTError:
        return None
    jwk = _jwk_for(header.get("kid"), jwk_url, network)
    if jwk is None:
        return None
    algorithm = jwk.get("alg") or header.get("alg")
    if algorithm not in ALGORITHMS:
        return None
    try:
        key = pyjwt.PyJWK(jwk, algorithm).key
        claims = pyjwt.decode(token, key, algorithms=[algorithm], options={"verify_aud": False})
    except pyjwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def _jwk_for(kid: str | None, url: str, network: Network) -> dict[str, Any] | None:
    jwks, fetched = _jwks(url, network, refresh=False)
    jwk = _find(jwks, kid)
    if jwk is None and time.monotonic() - fetched >= REFETCH_AFTER:
        jwks, _ = _jwks(url, network, refresh=True)  # the keys may have rotated
        jwk = _find(jwks, kid)
    return jwk


def _find(jwks: list[dict[str, Any]], kid: str | None) -> dict[str, Any] | None:
    if kid is None:
        return jwks[0] if len(jwks) == 1 else None
    return next((k for k in jwks if k.get("kid") == kid), None)


def _jwks(url: str, network: Network, *, refresh: bool) -> tuple[list[dict[str, Any]], float]:
    now = time.monotonic()
    with _lock:
        cached = _key_sets.get(url)
    if cached is not None and not refresh and now - cached[0] < KEYS_TTL:
        return cached[1], cached[0]
    try:
        document = json.loads(fetch.get(network, url, summary="GET JWK set"))
    except fetch.FetchFailed as exc:
        raise KeysUnavailable(str(exc)) from None
    except ValueError:
        raise KeysUnavailable("the JWK set at the JWK URL is not JSON") from None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise KeysUnavailable("the document at the JWK URL has no `keys` list")
    jwks = [k for k in keys if isinstance(k, dict)]
    with _lock:
        _key_sets[url] = (now, jwks)
    return jwks, now
