"""The private Redis dies with the process that started it, even when that one is killed -9,
and finds another port when another process takes the one it picked."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectorhub import localredis
from connectorhub.localredis import LocalRedis, RedisStartError

BASE_DIR = Path(__file__).resolve().parents[2]

STARTER = """
import time
from connectorhub.localredis import LocalRedis
server = LocalRedis().start()
print(server.process.pid, server.port, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie waits for its new parent to reap it; it serves nothing


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_server_goes_away_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", STARTER], cwd=BASE_DIR, stdout=subprocess.PIPE, text=True
    )
    server_pid = 0
    try:
        assert parent.stdout is not None
        server_pid, port = map(int, parent.stdout.readline().split())
        assert _alive(server_pid) and _answers(port)

        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)

        deadline = time.monotonic() + 10
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(server_pid), "the Redis server outlived the process that started it"
        assert not _answers(port)
    finally:
        if parent.poll() is None:
            parent.kill()
        if server_pid and _alive(server_pid):
            os.kill(server_pid, signal.SIGKILL)


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The next port LocalRedis picks is taken by another process (listening, as another
    server would) before the server starts; the list holds it."""
    ports: list[int] = []
    held: list[socket.socket] = []
    pick = localredis.free_port

    def free_port() -> int:
        port = pick()
        if not ports:
            sock = socket.socket()
            sock.bind(("127.0.0.1", port))
            sock.listen()
            held.append(sock)
            ports.append(port)
        return port

    monkeypatch.setattr(localredis, "free_port", free_port)
    yield ports
    for sock in held:
        sock.close()


def test_a_picked_port_taken_meanwhile_is_picked_again(taken: list[int]) -> None:
    with LocalRedis() as server:
        assert taken and server.port != taken[0]
        assert _answers(server.port)


def test_a_given_port_that_is_taken_fails_naming_it(taken: list[int]) -> None:
    port = localredis.free_port()
    with pytest.raises(RedisStartError, match=f"another process held port {port}$"):
        LocalRedis(port=port).start()
