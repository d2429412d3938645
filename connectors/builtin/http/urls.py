"""URLs of a request: parsing with a clear input error, query parameters appended as Apache's
URIBuilder writes them, redirect targets, and the URL as the run's trace shows it (secrets
masked, also where percent-encoding hides them)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from urllib.parse import unquote, unquote_plus, urlencode

import httpx
from connectorhub_sdk import ConnectorError, ConnectorInputError


def parse_url(text: str, field_name: str, redact: Callable[[str], str]) -> httpx.URL:
    problem = "it must start with http:// or https:// and name a host"
    try:
        url = _url(text.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ConnectorInputError(
            f"Invalid URL: the URL '{redact(text)}' cannot be parsed as a valid HTTP request URL "
            f"({redact(str(exc))})",
            field=field_name,
        ) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConnectorInputError(
            f"Invalid URL: the URL '{redact(text)}' cannot be parsed as a valid HTTP request URL; "
            + problem,
            field=field_name,
        )
    return url


@functools.lru_cache(maxsize=256)
def _url(text: str) -> httpx.URL:
    """httpx.URL(TEXT), parsed once per text: parsing cost as much as the rest of preparing a
    request, and a URL object is immutable (copy_with and join make new ones)."""
    return httpx.URL(text)


def query_text(query: Sequence[tuple[str, str]], safe: str = "") -> str:
    """Parameters form-encoded (space as `+`), as Apache's URIBuilder writes them."""
    return urlencode(list(query), safe=safe)


def with_query(url: httpx.URL, query: str) -> httpx.URL:
    """QUERY (encoded) is appended to the URL's own query, as Apache's URIBuilder does."""
    if not query:
        return url
    existing = url.query.decode("ascii")
    return url.copy_with(query=(f"{existing}&{query}" if existing else query).encode("ascii"))


def shown_url(
    url: str, query: Sequence[tuple[str, str]], url_text: str, redact: Callable[[str], str]
) -> str:
    """URL as the run records it, built from the URL text and the parameters with the run's
    secrets masked before they are encoded: httpx writes a space in a path as %20 and keeps
    `'!*();:@,$~` as they are, a spelling of the secret the runtime's masking cannot know."""
    text = url.strip()
    masked = redact(text)
    pairs = [(redact(name), redact(value)) for name, value in query]
    if masked == text and pairs == list(query):
        return masked_url(url_text, redact)
    # a masked pair keeps its mask readable (`key=***`, not `key=%2A%2A%2A`)
    encoded = "&".join(
        query_text([shown], safe="*" if shown != pair else "")
        for shown, pair in zip(pairs, query, strict=True)
    )
    try:
        return masked_url(str(with_query(httpx.URL(masked), encoded)), redact)
    except (httpx.InvalidURL, TypeError, ValueError):  # the mask where a host or port was
        return f"{masked}{'&' if '?' in masked else '?'}{encoded}" if encoded else masked


def masked_url(text: str, redact: Callable[[str], str]) -> str:
    """TEXT (an encoded URL: a redirect's target, a Location header) with the run's secrets
    masked, also where percent-encoding hides one from the masking: then it is shown decoded."""
    masked = redact(text)
    if "%" not in masked and "+" not in masked:
        return masked
    for decode in (unquote, unquote_plus):
        plain = decode(masked)
        hidden = redact(plain)
        if hidden != plain:
            return hidden
    return masked


def redirect_target(url: httpx.URL, location: str, redact: Callable[[str], str]) -> httpx.URL:
    try:
        target = url.join(location)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConnectorError(
            "500",
            "An error with the HTTP protocol occurred: bad redirect location "
            f"({masked_url(str(exc), redact)})",
        ) from None
    if target.scheme not in ("http", "https") or not target.host:
        raise ConnectorError(
            "500",
            "An error with the HTTP protocol occurred: redirect to a non-HTTP URL "
            + masked_url(str(target), redact),
        )
    return target


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port
