"""Authentication of the REST and GraphQL connectors, as Camunda's http-base models it.

The union on `authentication.type` (docs/camunda-compat.md 3.3, 3.5, 3.6): none, Basic,
bearer token, API key in a header or the query, OAuth 2.0 client credentials (credentials in
a Basic header or in the form body) and OAuth refresh token. OAuth tokens are cached in memory
for `expires_in - 10 s` when the token endpoint says how long they live (Camunda 8.10).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import OrderedDict
from typing import Annotated, Any, Literal, TypeAlias
from urllib.parse import urlencode

from connectorhub_sdk import ConnectorContext, ConnectorError, ui
from connectorhub_sdk.types import Text
from pydantic import BaseModel, ConfigDict, Field

from .client import HttpCall, HttpReply, execute
from .response import http_error, parse_json

TOKEN_CACHE_SIZE = 1000
TOKEN_EXPIRY_MARGIN = 10.0  # seconds; a token is not used in its last ten seconds
TOKEN_TIMEOUT = 20.0  # Camunda's token request uses the default timeouts

_SECRET = ui(secret=True)


class _Auth(BaseModel):
    model_config = ConfigDict(extra="ignore")


class NoAuth(_Auth):
    type: Literal["noAuth"] = Field(json_schema_extra=ui(choices={"noAuth": "None"}))


class BasicAuth(_Auth):
    type: Literal["basic"] = Field(json_schema_extra=ui(choices={"basic": "Basic"}))
    username: Text = Field(min_length=1)
    # null, or Camunda's placeholder for "no password", means an empty password
    password: Text | None = Field(default=None, json_schema_extra=_SECRET)


class BearerAuth(_Auth):
    type: Literal["bearer"] = Field(json_schema_extra=ui(choices={"bearer": "Bearer token"}))
    token: Text = Field(min_length=1, json_schema_extra=_SECRET)


class ApiKeyAuth(_Auth):
    type: Literal["apiKey"] = Field(json_schema_extra=ui(choices={"apiKey": "API key"}))
    apiKeyLocation: Literal["headers", "query"] = "headers"
    name: Text = Field(min_length=1)
    value: Text = Field(min_length=1, json_schema_extra=_SECRET)


class OAuthClientCredentials(_Auth):
    type: Literal["oauth-client-credentials-flow"] = Field(
        json_schema_extra=ui(choices={"oauth-client-credentials-flow": "OAuth 2.0"})
    )
    oauthTokenEndpoint: Text = Field(min_length=1)
    clientId: Text = Field(min_length=1)
    clientSecret: Text = Field(min_length=1, json_schema_extra=_SECRET)
    audience: Text | None = None
    clientAuthentication: Literal["basicAuthHeader", "credentialsBody"] = "basicAuthHeader"
    scopes: Text | None = None


class OAuthRefreshToken(_Auth):
    type: Literal["oauth-refresh-token"] = Field(
        json_schema_extra=ui(choices={"oauth-refresh-token": "OAuth 2.0 refresh token"})
    )
    oauthTokenEndpoint: Text = Field(min_length=1)
    clientId: Text = Field(min_length=1)
    clientSecret: Text | None = Field(default=None, json_schema_extra=_SECRET)
    refreshToken: Text = Field(min_length=1, json_schema_extra=_SECRET)
    scopes: Text | None = None


Authentication: TypeAlias = Annotated[
    NoAuth | BasicAuth | BearerAuth | ApiKeyAuth | OAuthClientCredentials | OAuthRefreshToken,
    Field(discriminator="type"),
]

SPEC_PASSWORD_EMPTY_PATTERN = "SPEC_PASSWORD_EMPTY_PATTERN"  # noqa: S105 - a marker, no secret


class AuthenticationConfiguration(BaseModel):
    """Templates v16+ may bind a reusable `authenticationConfiguration` that wins over the
    inline `authentication` (camunda/connectors HttpJsonRequest)."""

    model_config = ConfigDict(extra="ignore")
    authentication: Authentication | None = None


def apply_auth(
    auth: Any,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
    context: ConnectorContext,
) -> None:
    """Add the credentials to HEADERS/QUERY; auth headers come before the user's headers and
    an API key in the query before the user's parameters, as Camunda builds them."""
    if auth is None or isinstance(auth, NoAuth):
        return
    if isinstance(auth, BasicAuth):
        password = auth.password or ""
        if password == SPEC_PASSWORD_EMPTY_PATTERN:
            password = ""
        pair = f"{auth.username}:{password}".encode()
        headers.append(("Authorization", "Basic " + base64.b64encode(pair).decode("ascii")))
    elif isinstance(auth, BearerAuth):
        headers.append(("Authorization", f"Bearer {auth.token}"))
    elif isinstance(auth, ApiKeyAuth):
        target = headers if auth.apiKeyLocation == "headers" else query
        target.append((auth.name, auth.value))
    elif isinstance(auth, OAuthClientCredentials | OAuthRefreshToken):
        headers.append(("Authorization", f"Bearer {oauth_token(auth, context)}"))


# --------------------------------------------------------------------------------------------
# OAuth
# --------------------------------------------------------------------------------------------


class _TokenCache:
    """Access tokens by a hash of what identifies them; in memory, at most 1000 entries."""

    def __init__(self) -> None:
        self._tokens: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            entry = self._tokens.get(key)
            if entry is None:
                return None
            if entry[1] <= time.monotonic():
                del self._tokens[key]
                return None
            return entry[0]

    def put(self, key: str, token: str, lifetime: float) -> None:
        if lifetime <= 0:
            return
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + lifetime)
            self._tokens.move_to_end(key)
            while len(self._tokens) > TOKEN_CACHE_SIZE:
                self._tokens.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


token_cache = _TokenCache()


def _cache_key(auth: OAuthClientCredentials | OAuthRefreshToken) -> str:
    if isinstance(auth, OAuthClientCredentials):
        parts: tuple[Any, ...] = (
            "client_credentials",
            auth.oauthTokenEndpoint,
            auth.clientId,
            auth.clientSecret,
            auth.audience,
            auth.scopes,
            auth.clientAuthentication,
        )
    else:
        parts = (
            "refresh_token",
            auth.oauthTokenEndpoint,
            auth.clientId,
            auth.clientSecret,
            auth.refreshToken,
            auth.scopes,
        )
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def oauth_token(auth: OAuthClientCredentials | OAuthRefreshToken, context: ConnectorContext) -> str:
    key = _cache_key(auth)
    cached = token_cache.get(key)
    if cached is not None:
        return cached
    reply = execute(_token_call(auth), context)
    if reply.status >= 400:
        raise http_error(reply)
    token, expires_in = _read_token(reply, refresh=isinstance(auth, OAuthRefreshToken))
    if expires_in is not None:
        token_cache.put(key, token, max(0.0, expires_in - TOKEN_EXPIRY_MARGIN))
    return token


def _token_call(auth: OAuthClientCredentials | OAuthRefreshToken) -> HttpCall:
    headers = [("Content-Type", "application/x-www-form-urlencoded")]
    form: list[tuple[str, str | None]]
    if isinstance(auth, OAuthClientCredentials):
        # Camunda always sends `audience`, as a bare name when there is none
        form = [("grant_type", "client_credentials"), ("audience", auth.audience)]
        if auth.scopes and auth.scopes.strip():
            form.append(("scope", auth.scopes))
        if auth.clientAuthentication == "credentialsBody":
            form += [("client_id", auth.clientId), ("client_secret", auth.clientSecret)]
        else:
            pair = f"{auth.clientId}:{auth.clientSecret}".encode()
            headers.append(("Authorization", "Basic " + base64.b64encode(pair).decode("ascii")))
    else:
        form = [
            ("grant_type", "refresh_token"),
            ("client_id", auth.clientId),
            ("refresh_token", auth.refreshToken),
        ]
        if auth.clientSecret and auth.clientSecret.strip():
            form.append(("client_secret", auth.clientSecret))
        if auth.scopes and auth.scopes.strip():
            form.append(("scope", auth.scopes))
    return HttpCall(
        method="POST",
        url=auth.oauthTokenEndpoint,
        headers=headers,
        content=form_encode(form).encode("ascii"),
        connect_timeout=TOKEN_TIMEOUT,
        read_timeout=TOKEN_TIMEOUT,
        url_field="authentication.oauthTokenEndpoint",
        sensitive_fields=("client_secret", "refresh_token", "access_token", "id_token"),
    )


def form_encode(fields: list[tuple[str, str | None]]) -> str:
    """application/x-www-form-urlencoded in UTF-8; a null value gives the bare name."""
    parts = []
    for name, value in fields:
        parts.append(urlencode([(name, "")])[:-1] if value is None else urlencode([(name, value)]))
    return "&".join(parts)


_REFRESH_ERRORS = {
    "invalid_grant": "OAUTH_REFRESH_TOKEN_EXPIRED",
    "interaction_required": "OAUTH_INTERACTION_REQUIRED",
}


def _read_token(reply: HttpReply, *, refresh: bool) -> tuple[str, float | None]:
    try:
        data = parse_json(reply.content.decode("utf-8", errors="replace"))
    except ValueError:
        data = None
    if refresh and isinstance(data, dict) and isinstance(data.get("error"), str):
        code = _REFRESH_ERRORS.get(data["error"], "OAUTH_TOKEN_ERROR")
        detail = data.get("error_description") or data["error"]
        raise ConnectorError(code, f"The token endpoint refused the refresh token: {detail}")
    token = _find(data, "access_token")
    if token is None or isinstance(token, dict | list):
        raise ConnectorError(
            "OAUTH_TOKEN_ERROR",
            "The token endpoint's response has no access_token (status "
            f"{reply.status}); check the token endpoint URL and the client credentials",
        )
    expires = _find(data, "expires_in")
    lifetime = (
        float(expires)
        if isinstance(expires, int | float) and not isinstance(expires, bool)
        else None
    )
    return str(token), lifetime


def _find(data: Any, name: str) -> Any:
    """A deep search, as Camunda reads `access_token` anywhere in the response."""
    if isinstance(data, dict):
        if name in data:
            return data[name]
        for value in data.values():
            found = _find(value, name)
            if found is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            found = _find(value, name)
            if found is not None:
                return found
    return None


__all__ = [
    "ApiKeyAuth",
    "Authentication",
    "AuthenticationConfiguration",
    "BasicAuth",
    "BearerAuth",
    "NoAuth",
    "OAuthClientCredentials",
    "OAuthRefreshToken",
    "apply_auth",
    "form_encode",
    "oauth_token",
    "token_cache",
]
