"""Fetching element templates published as an npm package, straight from the registry.

The package tarball is downloaded over HTTPS, checked against the registry's integrity hash
and read in memory; node and npm are not needed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
from urllib.parse import quote

import httpx
from django.conf import settings

MAX_TARBALL_BYTES = 200 * 1024 * 1024
MAX_FILE_BYTES = 20 * 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
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
    with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client:
        manifest = _get_json(client, f"{base}/{quote(name, safe='@')}/{quote(version)}", spec)
        dist = manifest.get("dist") or {}
        if not dist.get("tarball"):
            raise NpmFetchError(f"the registry's record of {spec} has no tarball")
        tarball = _download(client, dist["tarball"], spec)
    _check_integrity(tarball, dist, spec)
    return list(_template_files(tarball, f"{name}@{manifest.get('version', version)}"))


def _get_json(client: httpx.Client, url: str, spec: str) -> dict:
    try:
        response = client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise NpmFetchError(f"cannot reach the npm registry for {spec} ({url}): {exc}") from None
    if response.status_code == 404:
        raise NpmFetchError(f"the npm registry has no package {spec}")
    if response.status_code != 200:
        raise NpmFetchError(f"the npm registry answered {response.status_code} for {spec}")
    try:
        return dict(response.json())
    except ValueError:
        raise NpmFetchError(f"the npm registry's answer for {spec} is not JSON") from None


def _download(client: httpx.Client, url: str, spec: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise NpmFetchError(f"downloading {spec} answered {response.status_code}")
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_TARBALL_BYTES:
                    raise NpmFetchError(f"the tarball of {spec} is larger than 200 MiB")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise NpmFetchError(f"downloading {spec} from {url} failed: {exc}") from None
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
