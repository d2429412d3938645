"""Free ports for the test servers that are told a port number, and the race for them.

Such a server gets ports that were free a moment ago; another process may take one before the
server binds it. How a server then fails differs (each reproduced by binding a port just after
the pick): most exit ("address already in use"); GreenMail keeps running without the lost
listener (and, for a lost mail port, without its API), so it was never ready; RabbitMQ serves
AMQP without its amqps listener. A readiness probe may also reach the process that took the
port: it hangs there, or gets an answer from the wrong server. So `wait_serving` takes a server
as started only once its own processes listen on every port it was given (and probes it only
then), and `on_free_ports` starts it again on new ports when one was lost, a bounded number of
times. (A server that binds port 0 itself, such as the Zeebe test engine, has no such race.)
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import IO, TypeVar

import psutil

T = TypeVar("T")
ATTEMPTS = 3
# What the servers here print when a port is taken: Java's BindException, Node's EADDRINUSE,
# Go's and Python's "bind: address already in use", Spring Boot's "Port N was already in use",
# Quarkus's "Port N seems to be in use by another process", PostgreSQL's and MariaDB's errno 98.
IN_USE = re.compile(r"already in use|in use by another|EADDRINUSE", re.IGNORECASE)


class PortLost(RuntimeError):
    """Another process took a port the server was to listen on; new ports may work."""


def free_ports(count: int) -> list[int]:
    """COUNT distinct TCP ports of 127.0.0.1 that were free a moment ago (held together while
    picked, so they differ)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def listening(pid: int) -> set[int]:
    """The TCP ports the process PID and its descendants listen on (a server may run under a
    wrapper such as `runuser`, or in a child of its start script)."""
    ports: set[int] = set()
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return ports
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            for connection in process.net_connections(kind="tcp"):
                if connection.status == psutil.CONN_LISTEN:
                    ports.add(connection.laddr.port)
    return ports


def output_of(log: IO[bytes]) -> Callable[[], str]:
    """What a server wrote so far to LOG, its stdout: read without moving the offset it shares
    with the server (a seek would have the server write over its own output)."""

    def read() -> str:
        return os.pread(log.fileno(), os.fstat(log.fileno()).st_size, 0).decode(errors="replace")

    return read


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT leftovers
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_serving(
    name: str,
    process: subprocess.Popen[bytes],
    ports: list[int],
    ready: Callable[[], bool],
    output: Callable[[], str],
    timeout: float,
) -> None:
    """Return once PROCESS (or a child of it) listens on every one of PORTS and READY().

    PortLost when another process took a port: the server says so in OUTPUT, another process
    answers on a port this one does not listen on, or the server exited or timed out while a
    port of its own cannot be bound. RuntimeError, with the end of OUTPUT, when it
    exits or is not ready within TIMEOUT for any other reason."""
    deadline = time.monotonic() + timeout
    while True:
        # the server's own word first: a readiness probe may hang on another's port
        text = output()
        said_in_use = IN_USE.search(text) is not None
        exited = process.poll() is not None
        if said_in_use or exited or time.monotonic() > deadline:
            # stopped first: the ports it holds itself are free again, those taken are not
            stop(process)
            taken = [p for p in ports if not _bindable(p)]
            if said_in_use or taken:
                raise PortLost(_lost(name, taken, ports, output(), "it cannot be bound"))
            why = "exited" if exited else f"not ready after {timeout:g} s"
            raise RuntimeError(f"{name} did not start ({why}):\n{output()[-3000:]}")
        # then its listeners: no probe before each port is its own (else the probe may hang
        # on, or be answered by, the process that took one)
        missing = [p for p in ports if p not in listening(process.pid)]
        if not missing and ready():
            return
        strangers = [p for p in missing if _answers(p)]
        if strangers and not set(strangers) & listening(process.pid):
            raise PortLost(_lost(name, strangers, ports, "", "another process answers there"))
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    """SIGTERM, which a wrapper such as `runuser` or RabbitMQ's start script passes on to its
    server (killed, it would leave the server orphaned); SIGKILL after GRACE seconds."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _lost(name: str, taken: list[int], ports: list[int], text: str, otherwise: str) -> str:
    """The message of PortLost: what the server said about the port in TEXT, else OTHERWISE."""
    said = [line.strip() for line in text.splitlines() if IN_USE.search(line)]
    return (
        f"{name}: another process took port {', '.join(map(str, taken)) or '?'} "
        f"(of {', '.join(map(str, ports))}): {said[0] if said else otherwise}"
    )


@contextlib.contextmanager
def on_free_ports(
    name: str,
    count: int,
    start: Callable[[list[int]], AbstractContextManager[T]],
    attempts: int = ATTEMPTS,
) -> Iterator[T]:
    """START(ports) on COUNT new free ports, again on new ones while it raises PortLost (at
    most ATTEMPTS times); a RuntimeError naming NAME and every port tried after that."""
    lost: list[str] = []
    for _ in range(attempts):
        with contextlib.ExitStack() as stack:
            try:
                server = stack.enter_context(start(free_ports(count)))
            except PortLost as error:
                lost.append(str(error).split("\n", 1)[0])
                continue
            yield server
            return
    raise RuntimeError(
        f"{name} did not start: another process took one of its ports on each of "
        f"{attempts} tries:\n" + "\n".join(lost)
    )
