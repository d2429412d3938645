"""A real Zeebe broker for tests and benchmarks.

`zeebe_gateway()` yields the address of a gateway that answers: the one in ZEEBE_ADDRESS when
that is set, otherwise a standalone broker (embedded gateway) started from the distribution
that `.ci/fetch-zeebe` put under `.cache/zeebe/<version>/`, on 127.0.0.1 with free ports and a
temporary data directory. The broker is stopped and its directory removed on the way out, also
when the body raised. See docs/zeebe-broker.md.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc

from tests.services import fetched

BASE_DIR = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = BASE_DIR / ".ci" / "fetch-zeebe"
CACHE_DIR = BASE_DIR / ".cache" / "zeebe"
HOW_TO_GET = (
    "no Zeebe broker: run .ci/fetch-zeebe (downloads the pinned distribution into .cache/zeebe) "
    "or set ZEEBE_ADDRESS=host:port to use a running gateway"
)


class ZeebeUnavailable(RuntimeError):
    """Neither ZEEBE_ADDRESS nor a fetched distribution: the caller should skip."""


class ZeebeStartError(RuntimeError):
    """The broker was there but did not come up (the message carries its log's tail)."""


@dataclass(frozen=True)
class ZeebeDistribution:
    """An unpacked `io.camunda:camunda-zeebe` distribution and the Java runtime to start it."""

    version: str
    home: Path
    java_home: Path

    @property
    def broker_script(self) -> Path:
        return self.home / "dist" / "bin" / "broker"


def pinned_version(script: Path = FETCH_SCRIPT) -> str:
    """The version `.ci/fetch-zeebe` fetches: the script is the one place it is written."""
    return fetched.pinned_version(script, "ZEEBE_VERSION")


def find_distribution(cache_dir: Path = CACHE_DIR) -> ZeebeDistribution | None:
    """The fetched distribution of the pinned version, or None when it is not (fully) there."""
    version = pinned_version()
    home = cache_dir / version
    # The marker is written last, so a half-finished fetch does not count.
    if not (home / ".complete").is_file():
        return None
    java_home = Path(os.environ.get("ZEEBE_JAVA_HOME") or home / "java")
    distribution = ZeebeDistribution(version=version, home=home, java_home=java_home)
    if not distribution.broker_script.is_file():
        return None
    return distribution


def gateway_ready(address: str, timeout: float = 2.0) -> bool:
    """True when the gateway answers a topology request with a healthy leader partition."""
    with grpc.insecure_channel(address) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        try:
            topology = stub.Topology(gateway_pb2.TopologyRequest(), timeout=timeout)
        except grpc.RpcError:
            return False
    partitions = [p for broker in topology.brokers for p in broker.partitions]
    leaders = [
        p
        for p in partitions
        if p.role == gateway_pb2.Partition.LEADER and p.health == gateway_pb2.Partition.HEALTHY
    ]
    # Every partition needs a healthy leader before commands to it succeed.
    return bool(partitions) and len(leaders) == topology.partitionsCount


def wait_for_gateway(address: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not gateway_ready(address):
        if time.monotonic() > deadline:
            raise ZeebeStartError(f"Zeebe gateway at {address} not ready within {timeout:.0f}s")
        time.sleep(0.25)


def free_ports(count: int) -> list[int]:
    """Distinct free ports on 127.0.0.1 (all held open at once, so none repeats)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


class ZeebeBroker:
    """One standalone broker with an embedded gateway, as a child process.

    Small on purpose: one partition, one CPU and one I/O thread, a 384 MB heap and a 64 MB
    RocksDB limit, so that it shares a 2-core machine with the Python side of a test.
    """

    def __init__(
        self,
        distribution: ZeebeDistribution,
        *,
        cpu_threads: int = 1,
        io_threads: int = 1,
        heap: str = "384m",
    ) -> None:
        self.distribution = distribution
        self.cpu_threads = cpu_threads
        self.io_threads = io_threads
        self.heap = heap
        self.ports = self._pick_ports()
        self.workdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None

    @staticmethod
    def _pick_ports() -> dict[str, int]:
        names = ["gateway", "command", "internal", "management", "rest"]
        return dict(zip(names, free_ports(len(names)), strict=True))

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.ports['gateway']}"

    @property
    def log_path(self) -> Path:
        if self.workdir is None:
            raise RuntimeError("broker not started")
        return self.workdir / "broker.log"

    def environment(self, data_dir: Path) -> dict[str, str]:
        ports = self.ports
        return {
            **os.environ,
            "JAVA_HOME": str(self.distribution.java_home),
            # Serial GC: fewer threads and less memory than G1 on a small shared machine.
            # C1 only: a broker that lives for a test session never repays C2's compile time;
            # measured, it halved start-up and cut the broker's CPU per job by 30%.
            "JAVA_OPTS": f"-Xms64m -Xmx{self.heap} -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
            "ZEEBE_BROKER_NETWORK_HOST": "127.0.0.1",
            "ZEEBE_BROKER_NETWORK_ADVERTISEDHOST": "127.0.0.1",
            "ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT": str(ports["command"]),
            "ZEEBE_BROKER_NETWORK_INTERNALAPI_PORT": str(ports["internal"]),
            "ZEEBE_BROKER_GATEWAY_ENABLE": "true",
            "ZEEBE_BROKER_GATEWAY_NETWORK_HOST": "127.0.0.1",
            "ZEEBE_BROKER_GATEWAY_NETWORK_PORT": str(ports["gateway"]),
            "MANAGEMENT_SERVER_ADDRESS": "127.0.0.1",
            "MANAGEMENT_SERVER_PORT": str(ports["management"]),
            "SERVER_ADDRESS": "127.0.0.1",
            "SERVER_PORT": str(ports["rest"]),
            "ZEEBE_BROKER_DATA_DIRECTORY": str(data_dir),
            "ZEEBE_BROKER_DATA_LOGSEGMENTSIZE": "16MB",
            # The default watermarks pause a broker below 2 GB free; a test broker's data is tiny.
            "ZEEBE_BROKER_DATA_DISK_ENABLEMONITORING": "false",
            "ZEEBE_BROKER_EXPERIMENTAL_ROCKSDB_MEMORYLIMIT": "64MB",
            # Back-pressure rejects commands when the broker lags (a busy shared machine), which
            # makes tests flaky; the load from tests and benchmarks is bounded by their callers.
            "ZEEBE_BROKER_BACKPRESSURE_ENABLED": "false",
            "ZEEBE_BROKER_THREADS_CPUTHREADCOUNT": str(self.cpu_threads),
            "ZEEBE_BROKER_THREADS_IOTHREADCOUNT": str(self.io_threads),
        }

    def command(self) -> list[str]:
        # setpriv: the kernel kills the broker if this Python process dies without cleaning up.
        setpriv = shutil.which("setpriv")
        prefix = [setpriv, "--pdeathsig", "KILL"] if setpriv else []
        return [*prefix, str(self.distribution.broker_script)]

    def start(self, timeout: float = 120.0) -> str:
        if self.process is not None:
            raise RuntimeError("broker already started")
        java = self.distribution.java_home / "bin" / "java"
        if not java.is_file():
            raise ZeebeStartError(
                f"no Java at {java}: set ZEEBE_JAVA_HOME to a Java 21+ or run .ci/fetch-zeebe"
            )
        try:
            return self._start_once(timeout)
        except ZeebeStartError as error:
            # A free port can be taken by another process before the JVM binds it; once.
            if "Address already in use" not in str(error):
                raise
            self.ports = self._pick_ports()
            return self._start_once(timeout)

    def _start_once(self, timeout: float) -> str:
        self.workdir = Path(tempfile.mkdtemp(prefix="connectorhub-zeebe-"))
        data_dir = self.workdir / "data"
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                env=self.environment(data_dir),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_ready(started + timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self.address

    def _wait_until_ready(self, deadline: float) -> None:
        readiness = f"http://127.0.0.1:{self.ports['management']}/actuator/health/readiness"
        while not (self._http_ok(readiness) and gateway_ready(self.address)):
            if self.process is None or self.process.poll() is not None:
                raise ZeebeStartError(f"Zeebe broker exited during start-up:\n{self._log_tail()}")
            if time.monotonic() > deadline:
                raise ZeebeStartError(f"Zeebe broker not ready in time:\n{self._log_tail()}")
            time.sleep(0.25)

    @staticmethod
    def _http_ok(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def _log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def rss_bytes(self) -> dict[str, int]:
        """Resident memory of the broker now and at its peak (from /proc, Linux only)."""
        if self.process is None:
            return {}
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
        return {"rss": int(found["VmRSS"]) * 1024, "peak": int(found["VmHWM"]) * 1024}

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (Zeebe closes its partitions), SIGKILL after timeout; then remove the data."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            self._signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(process, signal.SIGKILL)
                process.wait()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)

    def __enter__(self) -> ZeebeBroker:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def zeebe_gateway() -> Iterator[str]:
    """The address of a ready gateway: ZEEBE_ADDRESS, or a broker started here and stopped after.

    Raises ZeebeUnavailable when there is neither, ZeebeStartError when the broker fails.
    """
    address = os.environ.get("ZEEBE_ADDRESS")
    if address:
        wait_for_gateway(address, timeout=30.0)
        yield address
        return
    distribution = find_distribution()
    if distribution is None:
        raise ZeebeUnavailable(HOW_TO_GET)
    with ZeebeBroker(distribution) as broker:
        yield broker.address


def main() -> None:
    """`python -m tests.services.zeebe`: a broker in the foreground until Ctrl-C."""
    distribution = find_distribution()
    if distribution is None:
        raise SystemExit(HOW_TO_GET)
    with ZeebeBroker(distribution) as broker:
        rss = broker.rss_bytes()["rss"] // 2**20
        print(
            f"Zeebe {distribution.version} ready in {broker.startup_seconds:.1f}s, {rss} MB RSS\n"
            f"export ZEEBE_ADDRESS={broker.address}",
            flush=True,
        )
        # Blocked only now, after the broker started: a child would inherit the mask.
        stop_signals = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
        signal.sigwait(stop_signals)


if __name__ == "__main__":
    main()
