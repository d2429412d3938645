"""Fetching element templates published as an npm package, straight from the registry.

The package tarball is downloaded over HTTPS, checked against the registry's integrity hash
and read in memory; node and npm are not needed.

Where downloads may go: the configured registry (CONNECTORHUB_NPM_REGISTRY, the operator's
choice) as configured; every other address, such as a tarball URL the registry's answer names
or a redirect to another host, passes the hub's egress policy (CONNECTORHUB_EGRESS_POLICY and
CONNECTORHUB_EGRESS_ALLOW, as for dry-runs), and the request goes to the very address the
policy checked. Someone who may import cannot make the hub fetch from its own network.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from connectorhub_sdk import EgressDenied
from django.conf import settings

from connectors.network.allowlist import policy_from_settings
from connectors.network.policy import EgressPolicy, HostNotResolved

MAX_TARBALL_BYTES = 200 * 1024 * 1024
MAX_FILE_BYTES = 20 * 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_REDIRECTS = 5
SPEC = re.compile(r"^(?P<name>(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*)(@(?P<version>[\w.+-]+))?$")


class NpmFetchError(RuntimeError):
    """The package could not be fetched; the message says what and from where."""


def parse_spec(spec: str) -> tuple[str, str]:
    """`@scope/name@1.2.3` -> ("@scope/name", "1.2.3"); no version means the latest."""
    match = SPEC.match(spec.strip())
    if not match:
        raise NpmFetchError(
            f"{spec!r} is not an npm package spec such as "
            "@camunda/connectors-element-templates@1.0.29"
        )
    return match["name"], match["version"] or "latest"


def fetch_package_templates(spec: str, registry: str | None = None) -> list[tuple[str, bytes]]:
    """The (path, bytes) of every JSON file in the package that holds element templates."""
    name, version = parse_spec(spec)
    base = (registry or settings.CONNECTORHUB_NPM_REGISTRY).rstrip("/")
    door = _Door(httpx.URL(base), policy_from_settings("dry_run"))
    # trust_env=False keeps proxy variables from sending the request past the door, but the
    # operator's CA bundle (SSL_CERT_FILE, SSL_CERT_DIR) is still what TLS is checked against,
    # as before the door existed: a registry mirror behind a corporate CA keeps working.
    trust = httpx.create_ssl_context(trust_env=True)
    with httpx.Client(
        timeout=TIMEOUT, follow_redirects=False, trust_env=False, verify=trust
    ) as client:
        url = f"{base}/{quote(name, safe='@')}/{quote(version)}"
        manifest = _get_json(client, door, url, spec)
        dist = manifest.get("dist") or {}
        if not dist.get("tarball"):
            raise NpmFetchError(f"the registry's record of {spec} has no tarball")
        tarball = _download(client, door, str(dist["tarball"]), spec)
    _check_integrity(tarball, dist, spec)
    return list(_template_files(tarball, f"{name}@{manifest.get('version', version)}"))


@dataclass(frozen=True)
class _Door:
    """The configured registry as it is configured; any other host through the egress policy
    (None: CONNECTORHUB_EGRESS_POLICY=off), connecting only to the addresses it checked."""

    registry: httpx.URL
    policy: EgressPolicy | None

    def requests(self, client: httpx.Client, url: httpx.URL, spec: str) -> list[httpx.Request]:
        """GET URL, once per address it may be sent to (tried in order)."""
        if url.scheme not in ("http", "https") or not url.host:
            raise NpmFetchError(f"fetching {spec}: {url} is not an http(s) URL")
        port = _origin(url)[2]
        if self.policy is None or _origin(url) == _origin(self.registry):
            return [client.build_request("GET", url)]
        try:
            addresses = self.policy.resolve(url.host, port)
        except EgressDenied as exc:
            raise NpmFetchError(f"fetching {spec} from {url} was refused: {exc}") from None
        except HostNotResolved as exc:
            raise NpmFetchError(f"fetching {spec} from {url} failed: {exc}") from None
        # The checked addresses, while the Host header and TLS (SNI, certificate) keep the name.
        headers = {"Host": url.netloc.decode("ascii")}
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        return [
            client.build_request(
                "GET",
                url.copy_with(host=address.split("%", 1)[0]),
                headers=headers,
                extensions=extensions,
            )
            for address in addresses
        ]


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80)


@contextmanager
def _get(client: httpx.Client, door: _Door, url: str, spec: str) -> Iterator[httpx.Response]:
    """GET URL as a stream, following redirects by hand so that every hop passes the door."""
    target = httpx.URL(url)
    for _ in range(MAX_REDIRECTS + 1):
        response = _send(client, door.requests(client, target, spec))
        if not response.is_redirect:
            try:
                yield response
            finally:
                response.close()
            return
        location = response.headers.get("Location", "")
        response.close()
        target = target.join(location)
    raise NpmFetchError(f"fetching {spec}: more than {MAX_REDIRECTS} redirects")


def _send(client: httpx.Client, requests: list[httpx.Request]) -> httpx.Response:
    """The first of REQUESTS (one per address of a host) that connects, streamed."""
    for request in requests[:-1]:
        try:
            return client.send(request, stream=True)
        except httpx.ConnectError:
            continue
    return client.send(requests[-1], stream=True)


def _get_json(client: httpx.Client, door: _Door, url: str, spec: str) -> dict:
    try:
        with _get(client, door, url, spec) as response:
            if response.status_code == 404:
                raise NpmFetchError(f"the npm registry has no package {spec}")
            if response.status_code != 200:
                raise NpmFetchError(f"the npm registry answered {response.status_code} for {spec}")
            body = _read(response, MAX_FILE_BYTES, f"the npm registry's answer for {spec}")
    except httpx.HTTPError as exc:
        raise NpmFetchError(f"cannot reach the npm registry for {spec} ({url}): {exc}") from None
    try:
        return dict(json.loads(body))
    except (ValueError, TypeError):
        raise NpmFetchError(f"the npm registry's answer for {spec} is not JSON") from None


def _download(client: httpx.Client, door: _Door, url: str, spec: str) -> bytes:
    try:
        with _get(client, door, url, spec) as response:
            if response.status_code != 200:
                raise NpmFetchError(f"downloading {spec} answered {response.status_code}")
            return _read(response, MAX_TARBALL_BYTES, f"the tarball of {spec}")
    except httpx.HTTPError as exc:
        raise NpmFetchError(f"downloading {spec} from {url} failed: {exc}") from None


def _read(response: httpx.Response, limit: int, what: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise NpmFetchError(f"{what} is larger than {limit // (1024 * 1024)} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_integrity(tarball: bytes, dist: dict, spec: str) -> None:
    integrity = str(dist.get("integrity", ""))
    if integrity.startswith("sha512-"):
        expected = base64.b64decode(integrity.removeprefix("sha512-"))
        if hashlib.sha512(tarball).digest() != expected:
            raise NpmFetchError(f"the tarball of {spec} does not match its sha512 integrity")
    elif dist.get("shasum"):
        if hashlib.sha1(tarball, usedforsecurity=False).hexdigest() != dist["shasum"]:
            raise NpmFetchError(f"the tarball of {spec} does not match its shasum")
    else:
        raise NpmFetchError(f"the registry gives no integrity hash for {spec}")


def _template_files(tarball: bytes, label: str) -> list[tuple[str, bytes]]:
    found = []
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            for member in archive:
                if not (member.isfile() and member.name.endswith(".json")):
                    continue
                if member.size > MAX_FILE_BYTES:
                    continue
                handle = archive.extractfile(member)
                raw = handle.read() if handle else b""
                if _holds_templates(raw):
                    path = member.name.split("/", 1)[-1]
                    found.append((f"{label}/{path}", raw))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise NpmFetchError(f"the tarball of {label} cannot be read: {exc}") from None
    return sorted(found)


def _holds_templates(raw: bytes) -> bool:
    """A template or an array of them; package.json and other data files are skipped."""
    try:
        data = json.loads(raw)
    except ValueError:
        return False
    items = data if isinstance(data, list) else [data]
    return bool(items) and all(
        isinstance(item, dict) and "properties" in item and "appliesTo" in item for item in items
    )
