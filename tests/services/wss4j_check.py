"""Apache WSS4J's receiving side of WS-Security X.509 signatures, for the SOAP tests.

Camunda's SOAP connector signs through Spring-WS and WSS4J, so the services it talks to are
often WSS4J themselves; a message we sign should pass their check, not only xmlsec1's
(tests/services/wssecurity_check.py). `wss4j_verifier()` starts one JVM running
tests/services/wss4j/Wss4jVerifier.java (source-launcher mode, no build step) on the jars that
`.ci/fetch-wss4j` put under `.cache/wss4j/<version>/lib`, and `Wss4jVerifier.verify` sends it
one message at a time: WSSecurityEngine.processSecurityHeader with Basic Security Profile
enforcement and strict timestamps, trust in the given certificate only, and the required parts
(default: the Body) covered by the signature. One JVM serves a whole test module (start-up and
compiling the verifier take about two seconds; a check then takes milliseconds).
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.services import fetched

BASE_DIR = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = BASE_DIR / ".ci" / "fetch-wss4j"
CACHE_DIR = BASE_DIR / ".cache" / "wss4j"
VERIFIER_SOURCE = Path(__file__).resolve().parent / "wss4j" / "Wss4jVerifier.java"
HOW_TO_GET = (
    "no WSS4J: run .ci/fetch-wss4j (Maven fetches the pinned jars into .cache/wss4j; "
    "needs mvn and a JDK 17+)"
)


class Wss4jUnavailable(RuntimeError):
    """The jars or a JDK are missing: the caller should skip (or fail when required)."""


class Wss4jError(RuntimeError):
    """The verifier process broke (not a verdict on a message): carries its stderr's tail."""


@dataclass(frozen=True)
class Installation:
    version: str
    lib: Path
    java: Path


@dataclass(frozen=True)
class Verdict:
    """WSS4J's answer on one message: accepted with what it found, or its error."""

    ok: bool
    problem: str | None = None
    signed: tuple[str, ...] = ()  # Clark names ({namespace}local) of the signed elements
    signature_methods: tuple[str, ...] = ()
    digest_methods: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()  # WSS4J's results in order: timestamp, signature, token


def pinned_version(script: Path = FETCH_SCRIPT) -> str:
    """The version `.ci/fetch-wss4j` fetches: the script is the one place it is written."""
    return fetched.pinned_version(script, "WSS4J_VERSION")


def find_java() -> Path | None:
    """WSS4J_JAVA_HOME's java, else the one on PATH (the fetch script checked it is a JDK)."""
    home = os.environ.get("WSS4J_JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        return java if java.is_file() else None
    found = shutil.which("java")
    return Path(found) if found else None


def find_installation(cache_dir: Path = CACHE_DIR) -> Installation | None:
    """The fetched jars of the pinned version and a java, or None when either is missing."""
    version = pinned_version()
    home = cache_dir / version
    # The marker is written last, so a half-finished fetch does not count.
    if not (home / ".complete").is_file():
        return None
    java = find_java()
    if java is None:
        return None
    return Installation(version=version, lib=home / "lib", java=java)


def parse_answer(line: str) -> Verdict:
    """The verifier's line: `FAIL reason`, or `OK` and tab-separated `key=a,b` facts."""
    if not line.startswith("OK"):
        return Verdict(ok=False, problem=line.removeprefix("FAIL").strip())
    facts = dict(field.split("=", 1) for field in line.split("\t")[1:])

    def values(key: str) -> tuple[str, ...]:
        return tuple(item for item in facts.get(key, "").split(",") if item)

    return Verdict(
        ok=True,
        signed=values("signed"),
        signature_methods=values("signatureMethod"),
        digest_methods=values("digestMethod"),
        actions=values("actions"),
    )


class Wss4jVerifier:
    """One verifier JVM; `verify` may be called any number of times, from one thread."""

    def __init__(self, installation: Installation) -> None:
        self.installation = installation
        self._folder = Path(tempfile.mkdtemp(prefix="connectorhub-wss4j-"))
        self._count = 0
        self._stderr: IO[bytes] = (self._folder / "stderr.log").open("wb")
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
        )
        threading.Thread(target=self._read, daemon=True).start()

    def command(self) -> list[str]:
        return [
            str(self.installation.java),
            # a JVM that lives for one test module: C1 and the serial collector start fastest
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp",
            f"{self.installation.lib}/*",
            str(VERIFIER_SOURCE),
        ]

    def _read(self) -> None:
        # A thread, so that verify() can wait with a time limit on a JVM that hangs.
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def verify(
        self,
        message: bytes,
        trusted_pem: str | bytes,
        *,
        parts: Sequence[tuple[str, str]] = (),
        timestamp: bool = False,
        timeout: float = 60.0,
    ) -> Verdict:
        """WSS4J's verdict on MESSAGE signed by TRUSTED_PEM (a PEM certificate) over PARTS,
        (namespace, localName) pairs, default the SOAP Body; TIMESTAMP requires a Timestamp."""
        self._count += 1
        message_path = self._folder / f"message-{self._count}.xml"
        cert_path = self._folder / f"cert-{self._count}.pem"
        message_path.write_bytes(message)
        cert_path.write_bytes(trusted_pem.encode() if isinstance(trusted_pem, str) else trusted_pem)
        options = [f"part={{{namespace}}}{local}" for namespace, local in parts]
        if timestamp:
            options.append("timestamp")
        line = f"{message_path}\t{cert_path}\t{' '.join(options)}\n"
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(line)
            self.process.stdin.flush()
            answer = self._lines.get(timeout=timeout)
        except (BrokenPipeError, queue.Empty):
            answer = None
        finally:
            message_path.unlink()
            cert_path.unlink()
        if answer is None:
            raise Wss4jError(f"the WSS4J verifier did not answer:\n{self.stderr_tail()}")
        return parse_answer(answer)

    def stderr_tail(self, lines: int = 30) -> str:
        self._stderr.flush()
        text = (self._folder / "stderr.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:]) or "(nothing on stderr)"

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> Wss4jVerifier:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextlib.contextmanager
def wss4j_verifier() -> Iterator[Wss4jVerifier]:
    """A running verifier, closed on the way out; Wss4jUnavailable when not fetched."""
    installation = find_installation()
    if installation is None:
        raise Wss4jUnavailable(HOW_TO_GET)
    with Wss4jVerifier(installation) as verifier:
        yield verifier
