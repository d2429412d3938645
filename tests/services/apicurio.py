"""Apicurio Registry (Apache-2.0), a real Confluent-compatible schema registry for the Kafka
connector's tests.

`.ci/fetch-apicurio` builds the small Quarkus application of `tests/services/apicurio/` (the
registry's 3.0.9 jars, in-memory H2 storage) into
`.cache/apicurio/<version>-<hash of its sources>/apicurio-test-registry.jar`; `apicurio()`
starts one JVM on a free port of 127.0.0.1, waits until the Confluent-compatible API
(`/apis/ccompat/v7`) answers, and stops it by PID. It starts in about 3 s (about 240 MB
resident); the tests share one per session and keep apart by unique subjects (one per topic).
Locally a missing jar or Java skips the tests; with APICURIO_REQUIRED=1 (set by .ci/run) it
fails them instead.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.services import fetched, ports

BASE_DIR = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = BASE_DIR / ".ci" / "fetch-apicurio"
SOURCES = Path(__file__).resolve().parent / "apicurio"
VERSION = fetched.pinned_version(FETCH_SCRIPT, "APICURIO_VERSION")
REQUIRED = "APICURIO_REQUIRED"
START_TIMEOUT = 120.0  # about 3 s here; a loaded CI machine is several times slower


def jar_path() -> Path:
    """The build .ci/fetch-apicurio makes of this folder's sources (named after their hash)."""
    digest = fetched.sources_hash(
        SOURCES, [SOURCES / "pom.xml", SOURCES / "registry.properties", *SOURCES.rglob("src/**/*")]
    )
    return fetched.built_jar(BASE_DIR, "apicurio", VERSION, digest, "apicurio-test-registry.jar")


@dataclass(frozen=True)
class Apicurio:
    url: str  # the Confluent-compatible API: http://127.0.0.1:PORT/apis/ccompat/v7


@contextlib.contextmanager
def apicurio() -> Iterator[Apicurio]:
    java = shutil.which("java")
    jar = jar_path()
    if not jar.is_file() or java is None:
        fetched.missing(
            f"no Apicurio Registry {VERSION} test registry at {jar}: run .ci/fetch-apicurio "
            "(needs mvn, java)",
            REQUIRED,
        )
    with ports.on_free_ports(
        "Apicurio", 1, lambda chosen: _started(java, jar, *chosen)
    ) as registry:
        yield registry


@contextlib.contextmanager
def _started(java: str, jar: Path, port: int) -> Iterator[Apicurio]:
    url = f"http://127.0.0.1:{port}/apis/ccompat/v7"
    command = [
        java,
        "-Xmx384m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        f"-Dquarkus.http.port={port}",
        "-Dquarkus.http.host=127.0.0.1",
        "-jar",
        str(jar),
    ]
    with fetched.serving("Apicurio", command, port, lambda: _answers(url), START_TIMEOUT):
        yield Apicurio(url)


def _answers(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/subjects", timeout=1).status_code == 200
    return False
