"""Shared fixtures: real Redis, a real Celery worker process, headless Chromium.

Nothing here is a mock: each fixture starts the real component on 127.0.0.1 and stops it
when the tests that need it are done. Under pytest-xdist (`make test` runs `-n auto`) each
worker is a session of its own: its own data folder, SQLite file, Redis and Celery worker on
free ports (docs/testing.md).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import xdist_groups
from tests.services.chromium import SharedChromium

# the real servers the connector tests share, one of each per session
pytest_plugins = ["tests.services.sessions"]

# Playwright's sync API runs an event loop in the test thread; the live server's ORM calls
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = BASE_DIR / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
PASSWORD = "a-long-test-password"
QUICK_HASHER = "tests.services.passwords.QuickPBKDF2PasswordHasher"


# --- Parallel runs (pytest-xdist) -----------------------------------------------------------
# `--dist loadgroup` (pyproject.toml), every file its own default group (tests/services/
# xdist_groups.py): a module runs whole on one worker, so its module-scoped fixtures (WSS4J's JVM,
# the Modeler validator, a corpus) start once, and the files of one `xdist_group` share a worker
# and its session-scoped server. Redis and the Celery worker start on each worker that runs a test
# needing them.


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    xdist_groups.add_implicit_groups(items)
    if hasattr(config, "workerinput"):  # a plain run keeps the files' order
        xdist_groups.heaviest_first(items)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    # after every modifyitems hook (pytest-xdist's included), before pytest-xdist's own
    # collection_finish sends the worker's node ids to the controller
    # `loadgroup`: set by pytest-xdist on the workers of a `--dist loadgroup` run only
    if getattr(session.config.option, "loadgroup", False):
        xdist_groups.carry_groups_in_node_ids(session.items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") == "loadgroup":
        return xdist_groups.FileOrGroupScheduling(config, log)
    return None


def pytest_configure(config: pytest.Config) -> None:
    """Test users' passwords are hashed with few rounds (tests/services/passwords.py).

    An xdist worker gets a data folder of its own under the configured one (`xdist-gw0`,
    ...), for itself and the processes it starts: the development keys that are created on
    first use (`secrets_key`) must not be created by two workers at once. Without xdist the
    data folder stays as configured."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = [QUICK_HASHER, *settings.PASSWORD_HASHERS]
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return

    base = Path(settings.DATA_DIR)
    folder = base / f"xdist-{workerinput['workerid']}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # SECRET_KEY was read from the configured folder; a Celery worker started from here reads
    # this one, and must sign with the same key.
    if (base / "secret_key").exists() and not (folder / "secret_key").exists():
        shutil.copy2(base / "secret_key", folder / "secret_key")
    settings.DATA_DIR = folder
    os.environ["CONNECTORHUB_DATA_DIR"] = str(folder)


def xdist_worker() -> str:
    """This process's pytest-xdist worker name (gw0, gw1...), or `main` without xdist; files
    a session writes carry it, so that parallel workers never write the same one."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


# A session's SQLite test database and the files SQLite keeps beside it (WAL mode, journal).
TEST_DATABASE_FILE = re.compile(r"test-(\d+)\.sqlite3(-wal|-shm|-journal)?")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
) -> Iterator[None]:
    """A test database file of this session's own, which a Celery worker process can open.

    Several test sessions on one machine (developers running parts of the suite side by side)
    must not share one SQLite file. Its files are removed when the session ends (after
    pytest-django has dropped the database), and those of sessions that were killed are
    removed when the next one starts.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("sqlite3"):
        yield
        return
    folder = Path(settings.DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    # A stale file under this session's own name (a reused pid) would be read as its own.
    remove_test_database_files(folder, alive=lambda pid: pid != os.getpid() and _process_alive(pid))
    database.setdefault("TEST", {})["NAME"] = str(folder / f"test-{os.getpid()}.sqlite3")
    yield
    from django.db import connections

    connections.close_all()
    remove_test_database_files(folder, alive=lambda pid: pid != os.getpid())


def remove_test_database_files(folder: Path, *, alive: Callable[[int], bool]) -> None:
    """Remove the test database files in FOLDER of every session whose pid is not `alive`."""
    for path in folder.iterdir():
        match = TEST_DATABASE_FILE.fullmatch(path.name)
        if match and not alive(int(match[1])):
            path.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A private Redis for this test session; Django and Celery are pointed at it."""
    from django.conf import settings

    from connectorhub.celery import app
    from connectorhub.localredis import LocalRedis

    with LocalRedis() as server:
        previous = settings.REDIS_URL
        settings.REDIS_URL = server.url
        app.conf.update(broker_url=server.url, result_backend=server.url)
        yield server.url
        settings.REDIS_URL = previous


@pytest.fixture(scope="session")
def celery_worker(
    redis_url: str,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """A real `celery worker` process sharing the test database and Redis, in one environment
    for the whole session: every test plugin, the allow-list read for each run
    (tests/services/celery_worker.py)."""
    from django.db import connection

    from connectorhub.celery import app
    from tests.services import celery_worker as service

    with django_db_blocker.unblock():
        db_url = service.database_url(connection.settings_dict)
    site = service.write_plugin_site(tmp_path_factory.mktemp("plugin-site"))
    worker = service.CeleryWorkerProcess(
        {
            "REDIS_URL": redis_url,
            "DATABASE_URL": db_url,
            "PYTHONPATH": service.python_path(site),
            **service.SESSION_ENV,
        },
        ARTIFACTS / f"celery-worker-{xdist_worker()}.log",
    )
    worker.start(app)
    yield worker
    worker.stop()


@pytest.fixture
def user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("ada", "ada@example.com", PASSWORD)


@pytest.fixture
def other_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("bob", "bob@example.com", PASSWORD)


@pytest.fixture
def signed_in_client(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


# --- Browser ---------------------------------------------------------------------------


# The browser tests (one xdist group) run back to back and share one Chromium.
SHARED_CHROMIUM = SharedChromium(CHROMIUM, CHROMIUM_ARGS)
KEEP_CHROMIUM = pytest.StashKey[bool]()


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Chromium for one test, shared with the browser tests just before and after it when
    they allow it (`shares_chromium`); a test's contexts and pages are closed after it.

    While it runs, Playwright's sync API keeps an asyncio loop running in the main thread,
    which would break a later test that runs asyncio itself: it is stopped before any test
    that does not share it.
    """
    from django.db import connections

    yield SHARED_CHROMIUM.get()
    # While that loop runs, Django keeps the connections the test opened apart from the
    # thread's usual ones (asgiref's storage for a running loop); close them now, or they
    # stay open past the session and SQLite's -wal/-shm files are left behind.
    connections.close_all()
    if request.node.stash.get(KEEP_CHROMIUM, False):
        SHARED_CHROMIUM.close_contexts()
    else:
        SHARED_CHROMIUM.stop()


def shares_chromium(item: pytest.Item | None) -> bool:
    """A browser test that may run in the previous test's Chromium.

    Not one that runs in a test transaction: that must begin and end on one connection, and
    Django uses another while Playwright's loop runs, so such a test gets a browser launched
    after its transaction began and stopped before it ends (in the fixture's teardown).
    """
    names = getattr(item, "fixturenames", ())
    if item is None or "browser" not in names:
        return False
    marker = item.get_closest_marker("django_db")
    transactional = "transactional_db" in names or "live_server" in names
    transactional = transactional or bool(marker and marker.kwargs.get("transaction"))
    return transactional or (marker is None and "db" not in names)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    item.stash[KEEP_CHROMIUM] = shares_chromium(item) and shares_chromium(nextitem)
    yield
    if SHARED_CHROMIUM.running and not item.stash[KEEP_CHROMIUM]:
        SHARED_CHROMIUM.stop()  # a test whose teardown failed before the fixture's


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser page; a screenshot is kept in test-artifacts/ when the test fails."""
    # Playwright's wait_for_function evaluates its predicate with eval(), which the hub's
    # Content-Security-Policy refuses; tests/foundation/test_csp.py checks every page under the
    # policy in a context of its own.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def signed_in_page(page: Any, live_server: Any, user: Any) -> Any:
    """A browser page signed in as `user` through the real login form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page
