"""fake-gcs-server (a Google Cloud Storage emulator; BSD-2-Clause) on 127.0.0.1, for the Google
Cloud Storage connector's tests.

`.ci/fetch-fake-gcs` builds it with `go install` of a pinned version into
.cache/fake-gcs-server/<version>/bin/; `fake_gcs_server()` starts one process on a free port
(plain HTTP, in-memory backend, its URLs naming 127.0.0.1: its defaults are 0.0.0.0 and HTTPS),
and `FakeGcs.reset()` deletes every bucket and object between tests. It accepts any bearer
token, or none. Locally a missing build skips the tests; with FAKE_GCS_REQUIRED=1 (.ci/run)
they fail instead.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tests.services import fetched, ports

BASE_DIR = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = BASE_DIR / ".ci" / "fetch-fake-gcs"
VERSION = fetched.pinned_version(FETCH_SCRIPT, "FAKE_GCS_VERSION")
SERVER = BASE_DIR / ".cache" / "fake-gcs-server" / VERSION / "bin" / "fake-gcs-server"
REQUIRED = "FAKE_GCS_REQUIRED"


@dataclass(frozen=True)
class FakeGcs:
    endpoint: str  # http://127.0.0.1:PORT, the JSON API's root

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.endpoint, trust_env=False, timeout=10)

    def create_bucket(self, name: str) -> None:
        with self._client() as client:
            answer = client.post("/storage/v1/b", json={"name": name})
            assert answer.status_code == 200, answer.text

    def put_object(self, bucket: str, name: str, content: bytes, content_type: str) -> None:
        with self._client() as client:
            answer = client.post(
                f"/upload/storage/v1/b/{bucket}/o",
                params={"uploadType": "media", "name": name},
                content=content,
                headers={"Content-Type": content_type},
            )
            assert answer.status_code == 200, answer.text

    def metadata(self, bucket: str, name: str) -> dict[str, Any]:
        """The object's resource (contentType, size, md5Hash, metadata, ...)."""
        with self._client() as client:
            answer = client.get(f"/storage/v1/b/{bucket}/o/{quote(name, safe='')}")
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            return found

    def content(self, bucket: str, name: str) -> bytes:
        with self._client() as client:
            answer = client.get(
                f"/download/storage/v1/b/{bucket}/o/{quote(name, safe='')}",
                params={"alt": "media"},
            )
            assert answer.status_code == 200, answer.text
            return answer.content

    def buckets(self) -> list[str]:
        with self._client() as client:
            items = client.get("/storage/v1/b").json().get("items") or []
            return [item["name"] for item in items]

    def objects(self, bucket: str) -> list[str]:
        with self._client() as client:
            items = client.get(f"/storage/v1/b/{bucket}/o").json().get("items") or []
            return [item["name"] for item in items]

    def reset(self) -> None:
        """Delete every object and bucket."""
        with self._client() as client:
            for bucket in self.buckets():
                for name in self.objects(bucket):
                    client.delete(f"/storage/v1/b/{bucket}/o/{quote(name, safe='')}")
                client.delete(f"/storage/v1/b/{bucket}")


def _answers(gcs: FakeGcs) -> bool:
    with contextlib.suppress(httpx.HTTPError, ValueError):
        gcs.buckets()
        return True
    return False


@contextlib.contextmanager
def fake_gcs_server() -> Iterator[FakeGcs]:
    if not SERVER.is_file():
        fetched.missing(
            f"no fake-gcs-server {VERSION}: run .ci/fetch-fake-gcs (needs Go)", REQUIRED
        )
    with ports.on_free_ports("fake-gcs-server", 1, lambda chosen: _started(chosen[0])) as gcs:
        yield gcs


@contextlib.contextmanager
def _started(port: int) -> Iterator[FakeGcs]:
    gcs = FakeGcs(f"http://127.0.0.1:{port}")
    command = [str(SERVER), "-scheme", "http", "-host", "127.0.0.1", "-port", str(port),
               "-backend", "memory", "-external-url", gcs.endpoint,
               "-public-host", f"127.0.0.1:{port}", "-log-level", "warn"]  # fmt: skip
    with (
        tempfile.TemporaryDirectory() as workspace,
        fetched.serving("fake-gcs-server", command, port, lambda: _answers(gcs), 60, cwd=workspace),
    ):
        yield gcs
