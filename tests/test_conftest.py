"""A test session leaves no SQLite files behind in the data folder (tests/conftest.py), and
parallel workers (pytest-xdist) keep apart.

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

# Browser tests back to back share one Chromium, unless one runs in a test transaction; the
# test after them runs asyncio, which Playwright's running loop would refuse. (pytest-django
# runs the test in a transaction first, the transactional ones next, the others last.)
BROWSER = """
import asyncio

import pytest

from tests.conftest import SHARED_CHROMIUM


@pytest.mark.django_db
def test_a_test_in_a_transaction_gets_a_browser_of_its_own(user, browser):
    assert user.pk and SHARED_CHROMIUM.launches == 1


@pytest.mark.django_db(transaction=True)
def test_creates_a_user_while_the_browser_runs(browser, user):
    assert user.pk and SHARED_CHROMIUM.launches == 2


@pytest.mark.django_db(transaction=True)
def test_shares_the_running_browser(browser, user):
    assert user.pk and SHARED_CHROMIUM.launches == 2


def test_a_later_test_runs_asyncio():
    assert asyncio.run(asyncio.sleep(0, "ran")) == "ran"
"""


# Where each test ran: its xdist worker, data folder and the one its child processes inherit.
WHERE = """
import os

from django.conf import settings


def record(name):
    where = [os.environ["PYTEST_XDIST_WORKER"], str(settings.DATA_DIR)]
    where.append(os.environ["CONNECTORHUB_DATA_DIR"])
    (settings.DATA_DIR.parent / f"{name}.where").write_text(" ".join(where))
"""

# In collection order a per-test distribution would put each module's two tests on two workers.
TWO_TESTS = """

def test_{0}_one():
    record("{0}_one")


def test_{0}_two():
    record("{0}_two")
"""
XDIST_A = WHERE + TWO_TESTS.format("a")
XDIST_B = WHERE + TWO_TESTS.format("b")
# Two files that need the same server: their four tests are one unit of work.
IN_GROUP = 'import pytest\n\npytestmark = pytest.mark.xdist_group("shared")\n' + WHERE
XDIST_C = IN_GROUP + TWO_TESTS.format("c")
XDIST_D = IN_GROUP + TWO_TESTS.format("d")


def run_session(
    tmp_path: Path, source: str, *, more: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_inner.py").write_text(source)
    for name, text in (more or {}).items():
        (tmp_path / name).write_text(text)
    # the fixtures and hooks of tests/conftest.py, as a conftest (a plugin's would lose to
    # pytest-django's own fixtures)
    (tmp_path / "conftest.py").write_text("from tests.conftest import *  # noqa: F403\n")
    command = [sys.executable, "-m", "pytest", str(tmp_path), "-q", *args]
    # no Hypothesis: no inner test uses it, and its plugin costs each process about 1 s
    command += ["-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
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


def plant_database_files(data: Path) -> str:
    """A killed session's database files (to be removed) and one of a session that still runs:
    this one (to be kept); the name of the latter."""
    data.mkdir()
    killed = dead_pid()
    for suffix in ("", "-wal", "-shm", "-journal"):
        (data / f"test-{killed}.sqlite3{suffix}").write_bytes(b"stale")
    running = f"test-{os.getpid()}.sqlite3-wal"
    (data / running).write_bytes(b"in use")
    return running


@pytest.fixture(scope="module")
def finished(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, str, subprocess.CompletedProcess[str]]:
    """(data folder, the running session's file, the outcome) of one session that ends
    normally: the browser tests and a test that leaks a database connection (a session costs
    seconds, so the tests of a normal end read this one)."""
    tmp_path = tmp_path_factory.mktemp("finished")
    running = plant_database_files(tmp_path / "data")
    # test_leak.py after test_inner.py: the browser tests stay back to back
    done = run_session(tmp_path, BROWSER, more={"test_leak.py": OPEN_CONNECTION})
    return tmp_path / "data", running, done


def test_a_session_removes_its_database_and_those_of_killed_sessions(
    finished: tuple[Path, str, subprocess.CompletedProcess[str]],
) -> None:
    data, running, done = finished
    assert "5 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert database_files(data) == [running]


def test_an_interrupted_session_removes_its_database_and_those_of_killed_sessions(
    tmp_path: Path,
) -> None:
    running = plant_database_files(tmp_path / "data")

    done = run_session(tmp_path, INTERRUPTED)

    assert "KeyboardInterrupt" in done.stdout + done.stderr
    assert database_files(tmp_path / "data") == [running]


@pytest.mark.browser
def test_browser_tests_share_chromium_and_leave_no_database_files(
    finished: tuple[Path, str, subprocess.CompletedProcess[str]],
) -> None:
    data, running, done = finished
    # the four browser tests and the leaking one
    assert "5 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert database_files(data) == [running]  # none of its own


def test_xdist_workers_get_their_own_data_folders_and_run_a_module_or_group_whole(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    files = {"test_a.py": XDIST_A, "test_b.py": XDIST_B, "test_c.py": XDIST_C, "test_d.py": XDIST_D}
    done = run_session(tmp_path, "", more=files, args=("-n", "2"))

    assert "8 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    where = {p.stem: p.read_text().split() for p in data.glob("*.where")}
    assert set(where) == {f"{m}_{n}" for m in "abcd" for n in ("one", "two")}
    for worker, folder, inherited in where.values():
        assert folder == inherited == str(data / f"xdist-{worker}")
    # a module's tests ran on one worker, which alone started its module-scoped fixtures
    assert where["a_one"][0] == where["a_two"][0] and where["b_one"][0] == where["b_two"][0]
    # the files of an xdist_group ran on one worker, which alone started the group's server
    assert len({where[f"{m}_{n}"][0] for m in "cd" for n in ("one", "two")}) == 1
    # each worker signs with the configured folder's key
    for folder in {folder for _, folder, _ in where.values()}:
        assert (Path(folder) / "secret_key").read_text() == (data / "secret_key").read_text()


class _Item:
    """What `heaviest_first` reads of a pytest item: its node id and its marks."""

    def __init__(self, nodeid: str, group: str | None = None) -> None:
        self.nodeid = nodeid
        self.marks = [pytest.mark.xdist_group(group).mark] if group else []

    def iter_markers(self, name: str):
        return (mark for mark in self.marks if mark.name == name)


def test_the_heaviest_units_are_handed_out_first_each_keeping_its_order() -> None:
    from tests.services import xdist_groups

    light = [_Item(f"tests/a/test_light.py::test_{n}") for n in range(3)]
    many = [_Item(f"tests/a/test_many.py::test_{n}") for n in range(40)]
    # a listed group, its tests spread over two files between the others
    kafka = [
        _Item("tests/k/test_one.py::test_x", "kafka"),
        _Item("tests/k/test_two.py::test_y", "kafka"),
    ]
    items = [*light, kafka[0], *many, kafka[1]]

    xdist_groups.heaviest_first(items)  # type: ignore[arg-type]

    assert items == [*kafka, *many, *light]
