"""Operaton (Camunda 7's API; Apache-2.0) for the Camunda 7 worker's tests.

`.ci/fetch-operaton` builds the small Spring Boot application of `tests/services/operaton/`
into `.cache/operaton/<version>-<hash of its sources>/operaton-test-engine.jar`; `operaton()`
starts one JVM on a free port of 127.0.0.1, waits for `GET /engine-rest/engine`, and stops it
by PID. It starts in about 11 s (about 330 MB resident with -Xmx384m), so the tests share one
per session and keep apart by unique process ids. Locally a missing jar or Java skips the
tests; with OPERATON_REQUIRED=1 (set by .ci/run) it fails them instead.

`EngineRest` is the test's own view of the engine (deploy, start, history, incidents), with
the same basic authentication the engine requires (user demo, password demo).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.services import fetched, ports

BASE_DIR = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = BASE_DIR / ".ci" / "fetch-operaton"
SOURCES = Path(__file__).resolve().parent / "operaton"
VERSION = fetched.pinned_version(FETCH_SCRIPT, "OPERATON_VERSION")
REQUIRED = "OPERATON_REQUIRED"
USER, PASSWORD = "demo", "demo"
START_TIMEOUT = 180.0  # a loaded CI machine is 2-3x slower than the 11 s seen here


def jar_path() -> Path:
    """The build .ci/fetch-operaton makes of this folder's sources (named after their hash)."""
    digest = fetched.sources_hash(SOURCES, [SOURCES / "pom.xml", *(SOURCES / "src").rglob("*")])
    return fetched.built_jar(BASE_DIR, "operaton", VERSION, digest, "operaton-test-engine.jar")


@dataclass(frozen=True)
class Operaton:
    url: str  # …/engine-rest
    user: str = USER
    password: str = PASSWORD


@contextlib.contextmanager
def operaton() -> Iterator[Operaton]:
    java = shutil.which("java")
    jar = jar_path()
    if not jar.is_file() or java is None:
        fetched.missing(
            f"no Operaton {VERSION} test engine at {jar}: run .ci/fetch-operaton (needs mvn, java)",
            REQUIRED,
        )
    with ports.on_free_ports("Operaton", 1, lambda chosen: _started(java, jar, *chosen)) as engine:
        yield engine


@contextlib.contextmanager
def _started(java: str, jar: Path, port: int) -> Iterator[Operaton]:
    url = f"http://127.0.0.1:{port}/engine-rest"
    command = [
        java,
        "-Xmx384m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-jar",
        str(jar),
        f"--server.port={port}",
    ]
    with fetched.serving("Operaton", command, port, lambda: _answers(url), START_TIMEOUT):
        yield Operaton(url)


def _answers(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/engine", auth=(USER, PASSWORD), timeout=1).status_code == 200
    return False


class EngineRest:
    """What the tests ask the engine directly (never the worker's own client)."""

    def __init__(self, engine: Operaton) -> None:
        self.http = httpx.Client(
            base_url=engine.url, auth=(engine.user, engine.password), timeout=30
        )

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response) -> Any:
        assert response.status_code < 300, f"{response.status_code}: {response.text[:500]}"
        return response.json() if response.content else None

    def deploy(self, name: str, bpmn_xml: str, tenant_id: str | None = None) -> None:
        data = {"deployment-name": name}
        if tenant_id:
            data["tenant-id"] = tenant_id
        files = {f"{name}.bpmn": (f"{name}.bpmn", bpmn_xml.encode(), "application/xml")}
        self._ok(self.http.post("/deployment/create", files=files, data=data))

    def start(
        self, process_id: str, variables: dict[str, Any] | None = None, tenant_id: str = ""
    ) -> str:
        path = f"/process-definition/key/{process_id}"
        if tenant_id:
            path += f"/tenant-id/{tenant_id}"
        started = self._ok(self.http.post(f"{path}/start", json={"variables": variables or {}}))
        return str(started["id"])

    def state(self, instance_id: str) -> str:
        return str(self._ok(self.http.get(f"/history/process-instance/{instance_id}"))["state"])

    def variables(self, instance_id: str) -> dict[str, Any]:
        """The instance's variables from the history API, deserialized (Object as JSON)."""
        found = self._ok(
            self.http.get("/history/variable-instance", params={"processInstanceId": instance_id})
        )
        return {v["name"]: v["value"] for v in found}

    def typed(self, instance_id: str) -> dict[str, dict[str, Any]]:
        params = {"processInstanceId": instance_id, "deserializeValues": "false"}
        found = self._ok(self.http.get("/history/variable-instance", params=params))
        return {v["name"]: v for v in found}

    def incidents(self, instance_id: str) -> list[dict[str, Any]]:
        return list(self._ok(self.http.get("/incident", params={"processInstanceId": instance_id})))

    def external_task_log(self, instance_id: str) -> list[dict[str, Any]]:
        params = {"processInstanceId": instance_id}
        return list(self._ok(self.http.get("/history/external-task-log", params=params)))

    def count(self, path: str, **params: Any) -> int:
        return int(self._ok(self.http.get(f"{path}/count", params=params))["count"])

    def wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
            time.sleep(0.2)
