"""The generic webhook's HMAC check: which bytes are signed for each combination of scopes, and
the comparison with the header's value.

Facts from camunda/connectors (connectors/webhook): HMACEncodingStrategyFactory (the scope
combinations), BodyEncodingStrategy, URLAndBodyEncodingStrategy (Twilio's sorted `name+value`
form), URLAndParametersEncodingStrategy, HMACSignatureValidator (the header may carry a
`sha256=` style tag; hex or base64 digests) and HMACVerifier (401, INVALID_SIGNATURE).
Every comparison is constant-time (`hmac.compare_digest`).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac as _hmac
import json
from collections.abc import Collection, Mapping
from urllib.parse import quote_plus

from connectorhub_sdk.inbound import WebhookRequest

from .http import FORM, WebhookRefused, form_fields, media_type


class HmacScope(enum.StrEnum):
    URL = "url"
    BODY = "body"
    PARAMETERS = "parameters"


class HmacAlgorithm(enum.StrEnum):
    """HMACAlgoCustomerChoice: the template's values and the digests they name."""

    sha_1 = "sha_1"
    sha_256 = "sha_256"
    sha_512 = "sha_512"

    @property
    def digest(self) -> str:
        return {"sha_1": "sha1", "sha_256": "sha256", "sha_512": "sha512"}[self.value]


class Strategy(enum.Enum):
    BODY = "body"
    URL_AND_BODY = "url and body"
    URL_AND_PARAMETERS = "url and parameters"


_URL_BODY = frozenset({HmacScope.URL, HmacScope.BODY})
_URL_PARAMETERS = frozenset({HmacScope.URL, HmacScope.PARAMETERS})
_ALL = frozenset(HmacScope)


def strategy(scopes: Collection[HmacScope], method: str) -> Strategy | None:
    """The signed data for SCOPES (HMACEncodingStrategyFactory); None for a combination
    Camunda does not support (a single URL or PARAMETERS scope, BODY with PARAMETERS)."""
    chosen = frozenset(scopes)
    if chosen == _ALL:
        return Strategy.URL_AND_PARAMETERS if method.upper() == "GET" else Strategy.URL_AND_BODY
    if chosen == _URL_BODY:
        return Strategy.URL_AND_BODY
    if chosen == _URL_PARAMETERS:
        return Strategy.URL_AND_PARAMETERS
    if chosen == {HmacScope.BODY}:
        return Strategy.BODY
    return None


def signed_bytes(request: WebhookRequest, scopes: Collection[HmacScope]) -> bytes:
    """The bytes the sender signed, for SCOPES and the request's method."""
    chosen = strategy(scopes, request.method)
    url = request.url or request.path
    if chosen is Strategy.BODY:
        return request.body
    if chosen is Strategy.URL_AND_PARAMETERS:
        query = "&".join(f"{_java_encode(k)}={_java_encode(v)}" for k, v in request.query.items())
        return f"{url}?{query}".encode()
    if chosen is Strategy.URL_AND_BODY:
        return (url + _body_text(request)).encode()
    raise WebhookRefused(422, "inbound.hmacScopes: this combination of scopes is not supported")


def _java_encode(text: str) -> str:
    """java.net.URLEncoder's form encoding: `*` stays, `~` is escaped, a space is `+`."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def _body_text(request: WebhookRequest) -> str:
    """URLAndBodyEncodingStrategy: a form, or a JSON object of texts, as its names sorted with
    each value appended (Twilio's scheme); any other JSON value as compact JSON."""
    if media_type(request.headers) == FORM:
        return _sorted_pairs(form_fields(request.body))
    try:
        value = json.loads(request.body or b"null")
    except ValueError:
        raise _invalid() from None
    if isinstance(value, Mapping):
        if value and all(isinstance(v, str) for v in value.values()):
            return _sorted_pairs(value)
        raise _invalid()  # Camunda cannot build the signed text of such an object either
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _sorted_pairs(fields: Mapping[str, str]) -> str:
    return "".join(name + fields[name] for name in sorted(fields))


def verify(
    request: WebhookRequest,
    *,
    scopes: Collection[HmacScope],
    header: str,
    secret: str,
    algorithm: HmacAlgorithm,
) -> None:
    """Refuse (401) unless HEADER carries the HMAC of the signed data with SECRET: as hex, as
    hex after a `tag=` prefix (`sha256=...`), or as base64 (Twilio)."""
    provided = request.headers.get(header.lower())
    if provided is None:
        raise WebhookRefused.security(
            401, "INVALID_SIGNATURE", f"Expected HMAC header {header}, but was not present"
        )
    digest = _hmac.new(
        secret.encode(), signed_bytes(request, scopes), getattr(hashlib, algorithm.digest)
    ).digest()
    pieces = provided.split("=")
    while pieces and not pieces[-1]:
        pieces.pop()  # Java's String.split drops trailing empty strings
    untagged = pieces[1] if len(pieces) == 2 else provided
    expected_hex = digest.hex().encode()
    expected_b64 = base64.b64encode(digest)
    given, given_untagged = provided.encode(), untagged.encode()
    matches = (
        _hmac.compare_digest(given, expected_hex)
        | _hmac.compare_digest(given_untagged, expected_hex)
        | _hmac.compare_digest(given, expected_b64)
    )
    if not provided or not matches:
        raise _invalid()


def _invalid() -> WebhookRefused:
    return WebhookRefused.security(401, "INVALID_SIGNATURE", "HMAC signature check didn't pass")
