"""`make run` brings up web, worker, beat and Redis; Ctrl-C (SIGINT) leaves nothing running."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from connectorhub.localredis import free_port

BASE_DIR = Path(__file__).resolve().parents[2]


def _children_of(pid: int) -> set[int]:
    """Every descendant pid, read from /proc (the supervisor puts children in new sessions)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                child = int(stat.parent.name)
                found.add(child)
                frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class _Output:
    """The supervisor's output, read line by line in a thread so the test can wait for a line."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._reader.start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, process: subprocess.Popen, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert process.poll() is None, "the supervisor exited early:\n" + self.text
            assert time.monotonic() < deadline, f"no {text!r} within {timeout}s:\n" + self.text
            time.sleep(0.1)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def finish(self) -> str:
        self._reader.join(timeout=10)
        return self.text


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not true within {timeout}s"
        time.sleep(0.2)


def _health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _catalogue_kinds(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT DISTINCT kind FROM connectors_catalogueentry")
        return {kind for (kind,) in rows}


def _start_supervisor(
    data: Path, port: int, *, sigint_ignored: bool = False
) -> tuple[subprocess.Popen, _Output]:
    """`make run`'s supervisor on PORT with its own data folder and Redis, output collected;
    SIGINT_IGNORED starts it as a shell starts a background command."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}},
        "CONNECTORHUB_DATA_DIR": str(data),
        "CONNECTORHUB_PORT": str(port),
        "CONNECTORHUB_SKIP_SEED": "true",
        "CELERY_CONCURRENCY": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "connectorhub.run"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        if sigint_ignored
        else None,
    )
    return process, _Output(process)


@pytest.mark.celery
def test_run_serves_the_hub_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    process, output = _start_supervisor(tmp_path, port)
    try:
        output.wait_for("ConnectorHub is running on", process, timeout=90)
        # Announced only once the hub is whole: the worker already answers the health check.
        status, health = _health(f"http://127.0.0.1:{port}/healthz")
        assert (status, health["status"]) == (200, "ok"), health
        assert health["checks"]["worker"] == "ok", health
        # Skipping the npm seed still puts the built-in connectors in the catalogue.
        assert _catalogue_kinds(tmp_path / "connectorhub.sqlite3") == {"builtin"}
        descendants = _children_of(process.pid)
        assert len(descendants) >= 4  # Redis, Celery (and its pool), beat, web server
        # Celery beat reaps stale runs; its schedule file lives in the data folder.
        assert any(" beat " in f" {_command_line(pid)} " for pid in descendants)
        _wait_until(lambda: list(tmp_path.glob("celerybeat-schedule*")), timeout=30)
        assert not list(BASE_DIR.glob("celerybeat-schedule*"))

        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    output = output.finish()

    assert process.returncode == 0, output
    assert "Sign in as: admin / " in output
    assert f"http://127.0.0.1:{port}/" in output
    # Start-up probes are not errors: an operator reads every ERROR line as a real problem.
    assert [line for line in output.splitlines() if " ERROR " in line] == []
    time.sleep(0.5)
    assert [pid for pid in descendants if _alive(pid)] == []
    assert (tmp_path / "admin_password").stat().st_mode & 0o777 == 0o600


@pytest.mark.celery
@pytest.mark.parametrize(
    ("stop", "sigint_ignored"),
    [
        (signal.SIGTERM, False),  # as a service manager stops it
        (signal.SIGINT, True),  # Ctrl-C, even to a run started in the background by a shell
    ],
    ids=["sigterm", "sigint-from-the-background"],
)
def test_a_stop_while_the_hub_starts_leaves_nothing_running(tmp_path, stop, sigint_ignored):
    """A stop while the Celery worker is still starting: the supervisor stops what it had
    started, says so, and exits without a traceback."""
    process, output = _start_supervisor(tmp_path, free_port(), sigint_ignored=sigint_ignored)
    try:

        def worker_started() -> bool:
            return any(" worker " in _command_line(pid) for pid in _children_of(process.pid))

        _wait_until(worker_started, timeout=90)
        descendants = _children_of(process.pid)
        process.send_signal(stop)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    output = output.finish()

    assert "ConnectorHub is running on" not in output  # the stop came during start-up
    assert process.returncode == 130, output
    assert "Stop requested during start-up." in output
    assert "Traceback" not in output
    time.sleep(0.5)
    assert [pid for pid in descendants if _alive(pid)] == []
