"""A test session leaves no SQLite files behind in the data folder (tests/conftest.py).

Each case runs a small pytest session of its own, with the data folder in tmp_path, and then
lists that folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BASE_DIR

OPEN_CONNECTION = """
import os
import sqlite3

import pytest
from django.conf import settings

KEPT = []


@pytest.mark.django_db(transaction=True)
def test_keeps_a_connection_open(user):
    assert settings.DATABASES["default"]["NAME"].startswith(os.environ["CONNECTORHUB_DATA_DIR"])
    # a connection nothing closes, as a leaked one in a thread or event loop would be
    KEPT.append(sqlite3.connect(settings.DATABASES["default"]["NAME"]))
    KEPT[0].execute("select count(*) from auth_user").fetchone()
"""

INTERRUPTED = """
import pytest


@pytest.mark.django_db(transaction=True)
def test_is_interrupted(user):
    raise KeyboardInterrupt  # what Ctrl-C does
"""

BROWSER = """
import pytest


@pytest.mark.django_db(transaction=True)
def test_creates_a_user_while_the_browser_runs(browser, user):
    assert user.pk
"""


def run_session(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_inner.py").write_text(source)
    # the fixtures and hooks of tests/conftest.py, as a conftest (a plugin's would lose to
    # pytest-django's own fixtures)
    (tmp_path / "conftest.py").write_text("from tests.conftest import *  # noqa: F403\n")
    command = [sys.executable, "-m", "pytest", str(tmp_path / "test_inner.py"), "-q"]
    command += ["-p", "no:randomly", "-p", "no:cacheprovider"]
    command += ["--rootdir", str(BASE_DIR), "-c", str(BASE_DIR / "pyproject.toml")]
    env = {**os.environ, "CONNECTORHUB_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=240, check=False
    )


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def database_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("test-"))


@pytest.mark.parametrize(("source", "outcome"), [(OPEN_CONNECTION, "1 passed"), (INTERRUPTED, "")])
def test_a_session_removes_its_database_and_those_of_killed_sessions(
    tmp_path: Path, source: str, outcome: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    killed = dead_pid()
    for suffix in ("", "-wal", "-shm", "-journal"):
        (data / f"test-{killed}.sqlite3{suffix}").write_bytes(b"stale")
    running = f"test-{os.getpid()}.sqlite3-wal"  # a session that still runs: this one
    (data / running).write_bytes(b"in use")

    done = run_session(tmp_path, source)

    assert outcome in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    if source is INTERRUPTED:
        assert "KeyboardInterrupt" in done.stdout + done.stderr
    assert database_files(data) == [running]


@pytest.mark.browser
def test_a_browser_session_leaves_no_database_files(tmp_path: Path) -> None:
    done = run_session(tmp_path, BROWSER)

    assert "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert database_files(tmp_path / "data") == []
