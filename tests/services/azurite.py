"""Azurite (Microsoft's Azure Storage emulator; MIT) serving Blob Storage on 127.0.0.1, for the
Azure Blob Storage connector's tests.

`.ci/fetch-azurite` installs it with npm under .cache/azurite/<version>/; `azurite_server()`
starts one process on a free port, always with `--disableTelemetry` (else it reports to an
outside service) and `--inMemoryPersistence`; `Azurite.reset()` deletes every container between
tests. Given a certificate, it serves HTTPS with `--oauth basic`: bearer tokens are then accepted
(Azurite checks their issuer, audience and expiry, not their signature), which it refuses over
HTTP. Locally a missing install skips the tests; with AZURITE_REQUIRED=1 (.ci/run) they fail.

The tests' own client signs account SAS tokens with the emulator's well-known key (Azure's
documented account-SAS string to sign, service version 2019-12-12) and talks to the REST API
with httpx: no Azure SDK is needed to set up or read back.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import re
import ssl
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

from tests.services import fetched, ports

BASE_DIR = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = BASE_DIR / ".ci" / "fetch-azurite"
VERSION = fetched.pinned_version(FETCH_SCRIPT, "AZURITE_VERSION")
SERVER = BASE_DIR / ".cache" / "azurite" / VERSION / "node_modules" / ".bin" / "azurite-blob"
REQUIRED = "AZURITE_REQUIRED"
ACCOUNT = "devstoreaccount1"
# the emulator's published account key (not a secret: every Azurite has it)
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
SAS_VERSION = "2019-12-12"
API_VERSION = "2023-11-03"


@dataclass(frozen=True)
class Azurite:
    endpoint: str  # the account's URL: http://127.0.0.1:PORT/devstoreaccount1
    ca_file: Path | None = None  # HTTPS: the CA that signed its certificate

    def sas_token(self, permissions: str = "rwdlac", key: str = ACCOUNT_KEY) -> str:
        """An account SAS for the Blob service, valid for a day (KEY: sign with another key)."""
        expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
        fields = [ACCOUNT, permissions, "b", "sco", "", expiry, "", "https,http", SAS_VERSION]
        to_sign = "\n".join(fields) + "\n"
        digest = hmac.new(base64.b64decode(key), to_sign.encode(), hashlib.sha256).digest()
        return urlencode({"sv": SAS_VERSION, "ss": "b", "srt": "sco", "sp": permissions,
                          "se": expiry, "spr": "https,http",
                          "sig": base64.b64encode(digest).decode()})  # fmt: skip

    def _request(
        self,
        method: str,
        path: str,
        query: str = "",
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        url = f"{self.endpoint}{path}?{query + '&' if query else ''}{self.sas_token()}"
        verify = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else True
        with httpx.Client(verify=verify, trust_env=False, timeout=10) as client:
            return client.request(
                method,
                url,
                headers={"x-ms-version": API_VERSION, **(headers or {})},
                content=content,
            )

    def create_container(self, name: str) -> None:
        answer = self._request("PUT", f"/{name}", "restype=container")
        assert answer.status_code == 201, answer.text

    def containers(self) -> list[str]:
        answer = self._request("GET", "/", "comp=list")
        return re.findall(r"<Container><Name>([^<]+)</Name>", answer.text)

    def blobs(self, container: str) -> list[str]:
        answer = self._request("GET", f"/{container}", "restype=container&comp=list")
        return re.findall(r"<Blob><Name>([^<]+)</Name>", answer.text)

    def put_blob(self, container: str, name: str, content: bytes, content_type: str) -> None:
        headers = {"x-ms-blob-type": "BlockBlob", "x-ms-blob-content-type": content_type}
        answer = self._request("PUT", f"/{container}/{quote(name)}", headers=headers,
                               content=content)  # fmt: skip
        assert answer.status_code == 201, answer.text

    def get_blob(self, container: str, name: str) -> httpx.Response:
        """The blob as Azurite answers it (content, `Content-Type`, `x-ms-meta-*` headers)."""
        answer = self._request("GET", f"/{container}/{quote(name)}")
        assert answer.status_code == 200, answer.text
        return answer

    def reset(self) -> None:
        """Delete every container (and so every blob)."""
        for name in self.containers():
            self._request("DELETE", f"/{name}", "restype=container")


@contextlib.contextmanager
def azurite_server(tls: tuple[Path, Path, Path] | None = None) -> Iterator[Azurite]:
    """Azurite on a free port; TLS = (certificate, key, CA file) for HTTPS with OAuth."""
    if not SERVER.is_file():
        fetched.missing(f"no Azurite {VERSION}: run .ci/fetch-azurite (needs npm)", REQUIRED)
    with ports.on_free_ports("Azurite", 1, lambda chosen: _started(chosen[0], tls)) as server:
        yield server


@contextlib.contextmanager
def _started(port: int, tls: tuple[Path, Path, Path] | None) -> Iterator[Azurite]:
    scheme = "https" if tls else "http"
    azurite = Azurite(f"{scheme}://127.0.0.1:{port}/{ACCOUNT}", tls[2] if tls else None)
    command = [str(SERVER), "--blobHost", "127.0.0.1", "--blobPort", str(port),
               "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck",
               "--silent"]  # fmt: skip
    if tls:
        command += ["--cert", str(tls[0]), "--key", str(tls[1]), "--oauth", "basic"]
    with (
        tempfile.TemporaryDirectory() as workspace,
        fetched.serving("Azurite", command, port, lambda: _answers(azurite), 60, cwd=workspace),
    ):
        yield azurite


def _answers(azurite: Azurite) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        azurite.containers()
        return True
    return False
