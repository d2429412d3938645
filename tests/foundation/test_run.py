"""`make run` brings up web, worker and Redis; Ctrl-C (SIGINT) leaves nothing running."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
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


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert process.poll() is None, "the supervisor exited early"
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            last = exc.read().decode()
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise AssertionError(f"not healthy within {timeout}s: {last}")


def _catalogue_kinds(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT DISTINCT kind FROM connectors_catalogueentry")
        return {kind for (kind,) in rows}


@pytest.mark.celery
def test_run_serves_the_hub_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}},
        "CONNECTORHUB_DATA_DIR": str(tmp_path),
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
    )
    try:
        health = _wait_healthy(f"http://127.0.0.1:{port}/healthz", process, timeout=90)
        assert health["status"] == "ok", health
        # Skipping the npm seed still puts the built-in connectors in the catalogue.
        assert _catalogue_kinds(tmp_path / "connectorhub.sqlite3") == {"builtin"}
        descendants = _children_of(process.pid)
        assert len(descendants) >= 3  # Redis, Celery (and its pool), web server

        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, output
    assert "Sign in as: admin / " in output
    assert f"http://127.0.0.1:{port}/" in output
    time.sleep(0.5)
    assert [pid for pid in descendants if _alive(pid)] == []
    assert (tmp_path / "admin_password").stat().st_mode & 0o777 == 0o600
