"""A local npm registry on 127.0.0.1 serving packages built from folders on disk.

It speaks the registry protocol the hub uses: GET /<name>/<version> answers the version's
manifest with dist.tarball and dist.integrity; the tarball URL serves the .tgz.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


def pack(folder: Path) -> bytes:
    """A .tgz laid out as npm packs it: every file under `package/`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=f"package/{path.relative_to(folder)}")
    return buffer.getvalue()


class LocalNpmRegistry:
    def __init__(self) -> None:
        self.packages: dict[tuple[str, str], bytes] = {}
        self.corrupt: set[tuple[str, str]] = set()
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, name: str, version: str, folder: Path) -> None:
        self.packages[(name, version)] = pack(folder)

    def start(self) -> LocalNpmRegistry:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _manifest(self, name: str, version: str) -> dict:
        tarball = self.packages[(name, version)]
        digest = hashlib.sha512(tarball + (b"x" if (name, version) in self.corrupt else b""))
        return {
            "name": name,
            "version": version,
            "dist": {
                "tarball": f"{self.url}/-/tarballs/{name}/{version}.tgz",
                "integrity": "sha512-" + base64.b64encode(digest.digest()).decode(),
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = unquote(self.path)
                registry.requests.append(path)
                if path.startswith("/-/tarballs/"):
                    name, _, file = path.removeprefix("/-/tarballs/").rpartition("/")
                    body = registry.packages.get((name, file.removesuffix(".tgz")))
                    self._send(body, "application/octet-stream")
                    return
                name, _, version = path.lstrip("/").rpartition("/")
                if (name, version) not in registry.packages:
                    self._send(None, "")
                    return
                body = json.dumps(registry._manifest(name, version)).encode()
                self._send(body, "application/json")

            def _send(self, body: bytes | None, content_type: str) -> None:
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
