"""The generic webhook's authorization: none, basic, API key, JWT.

Facts from camunda/connectors (connectors/webhook, package authorization): BasicAuthHandler
(`Authorization: Basic base64(user:password)`), ApiKeyAuthHandler (the key found by the
locator expression on `{request, connectorData}`), JWTAuthHandler (jwt.py; the permissions
expression on the token's claims, all required permissions present), AuthorizationResult
(401 INVALID_CREDENTIALS for missing or wrong credentials, 403 FORBIDDEN for missing
permissions). Credentials are compared in constant time; no message carries a credential.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Any

from connectorhub_sdk.inbound import InboundContext, WebhookRequest

from . import jwt
from .http import WebhookRefused
from .model import ApiKeyAuth, Auth, BasicAuth, JwtAuth


def check(auth: Auth, request: WebhookRequest, mapped: dict[str, Any], ctx: InboundContext) -> None:
    """Refuse the request (WebhookRefused) unless AUTH admits it; MAPPED is the `request`
    variable (for the API key locator)."""
    if isinstance(auth, BasicAuth):
        _basic(auth, request.headers)
    elif isinstance(auth, ApiKeyAuth):
        _api_key(auth, mapped, ctx)
    elif isinstance(auth, JwtAuth):
        _jwt(auth, request.headers, ctx)


def _credentials(details: str) -> WebhookRefused:
    return WebhookRefused.security(401, "INVALID_CREDENTIALS", details)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _basic(auth: BasicAuth, headers: Mapping[str, str]) -> None:
    header = headers.get("authorization")
    if not header or not header.lower().startswith("basic ") or len(header.strip()) <= 6:
        raise _credentials("Basic auth header is missing")
    try:
        given = base64.b64decode(header.split(" ")[1], validate=True).decode("utf-8", "replace")
    except (binascii.Error, IndexError):
        raise _credentials("Basic auth header is invalid") from None
    if not _same(given, f"{auth.username}:{auth.password}"):
        raise _credentials("Basic auth header is invalid")


def _api_key(auth: ApiKeyAuth, mapped: dict[str, Any], ctx: InboundContext) -> None:
    try:
        given = ctx.evaluate(auth.apiKeyLocator, {"request": mapped, "connectorData": {}})
    except ValueError as exc:
        # the reason may quote the request, never the configured key
        ctx.log(f"API key locator failed: {exc}", severity="WARNING", tag="auth")
        raise _credentials("API key could not be extracted from the request") from None
    if given is None:
        raise _credentials("API key is missing")
    if not isinstance(given, str) or not _same(given, auth.apiKey):
        raise _credentials("API key is invalid")


def _jwt(auth: JwtAuth, headers: Mapping[str, str], ctx: InboundContext) -> None:
    token = jwt.bearer_token(headers)
    try:
        claims = jwt.verified_claims(token, auth.jwt.jwkUrl, ctx.network) if token else None
    except jwt.KeysUnavailable as exc:
        ctx.log(f"JWT auth: {exc}", severity="ERROR", tag="auth")
        raise WebhookRefused(500, "JWT auth: the JWK set could not be fetched") from None
    if claims is None:
        raise _credentials("JWT auth failed")
    required = auth.jwt.requiredPermissions or []
    if required and not set(required) <= set(_roles(auth, claims, ctx)):
        raise WebhookRefused.security(403, "FORBIDDEN", "Missing required permissions")


def _roles(auth: JwtAuth, claims: dict[str, Any], ctx: InboundContext) -> list[str]:
    """The permissions expression on the claims; no roles when it fails (Camunda logs it)."""
    if not auth.jwt.permissionsExpression:
        return []
    try:
        roles = ctx.evaluate(auth.jwt.permissionsExpression, claims)
    except ValueError as exc:
        ctx.log(f"JWT permissions expression failed: {exc}", severity="WARNING", tag="auth")
        return []
    if isinstance(roles, str):
        return [roles]
    return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []
