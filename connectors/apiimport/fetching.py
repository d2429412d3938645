"""Fetching a description (and the documents its relative `$ref`s name) from a URL, under the
hub's egress policy: as `catalogue.npm` fetches packages, every hop (redirects by hand) is
checked with CONNECTORHUB_EGRESS_POLICY and its allow-list, and the request goes to the very
address the policy admitted, so someone who may import cannot make the hub read its own
network."""

from __future__ import annotations

from typing import Any

import httpx
from connectorhub_sdk import EgressDenied

from connectors.network.allowlist import policy_from_settings
from connectors.network.policy import HostNotResolved

from .errors import ApiDescriptionError
from .reading import MAX_DESCRIPTION_BYTES, parse_document
from .refs import Retrieve

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_REDIRECTS = 5


def fetch_url(url: str, *, limit: int = MAX_DESCRIPTION_BYTES) -> bytes:
    """The body of URL (http or https), at most LIMIT bytes; ApiDescriptionError otherwise."""
    policy = policy_from_settings("dry_run")
    trust = httpx.create_ssl_context(trust_env=True)
    target = _parse(url)
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False, verify=trust) as c:
        for _ in range(MAX_REDIRECTS + 1):
            request = _request(c, target, policy)
            try:
                response = c.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise ApiDescriptionError(f"cannot fetch {target}: {exc}") from None
            try:
                if response.is_redirect:
                    target = _parse(str(target.join(response.headers.get("Location", ""))))
                    continue
                if response.status_code != 200:
                    raise ApiDescriptionError(f"{target} answered {response.status_code}")
                return _read(response, limit, str(target))
            finally:
                response.close()
    raise ApiDescriptionError(f"{url}: more than {MAX_REDIRECTS} redirects")


def url_retriever() -> Retrieve:
    """Relative `$ref`s of a description fetched from a URL: fetched the same way."""

    def retrieve(uri: str) -> Any:
        return parse_document(fetch_url(uri.split("#", 1)[0]))

    return retrieve


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise ApiDescriptionError(f"{url!r} is not a URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ApiDescriptionError(f"{url!r} is not an http(s) URL")
    return parsed


def _request(client: httpx.Client, url: httpx.URL, policy: Any) -> httpx.Request:
    if policy is None:  # CONNECTORHUB_EGRESS_POLICY=off
        return client.build_request("GET", url)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        address = policy.resolve(url.host, port)[0]
    except EgressDenied as exc:
        raise ApiDescriptionError(f"fetching {url} was refused: {exc}") from None
    except HostNotResolved as exc:
        raise ApiDescriptionError(f"fetching {url} failed: {exc}") from None
    # the checked address, while the Host header and TLS (SNI, certificate) keep the name
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    return client.build_request(
        "GET",
        url.copy_with(host=address.split("%", 1)[0]),
        headers={"Host": url.netloc.decode("ascii")},
        extensions=extensions,
    )


def _read(response: httpx.Response, limit: int, what: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ApiDescriptionError(f"{what} is larger than {limit // (1024 * 1024)} MiB")
        chunks.append(chunk)
    return b"".join(chunks)
