"""The hub's own database on PostgreSQL and MariaDB, not only SQLite (README, "Configuration").

For each server the SQL connector's tests start (tests/services/sql_servers.py), a fresh
database of its own: `manage.py migrate` must apply every migration to it, then a pytest
session in a child process, with DATABASE_URL pointing there (so Django, the Celery worker it
starts and every statement really are on that server), runs the tests of the hand-written SQL
(INNER_TESTS). A missing server skips these tests locally and fails them with
SQL_SERVERS_REQUIRED=1.

pytest-django names a session's test database `test_` + the configured name. The database
`migrate` made is given that name, and the child session runs with `--reuse-db`: it uses
the database as migrated (`--migrations`: nothing left to apply), creates none and drops none.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.services.sql_servers import SqlServer

pytestmark = pytest.mark.xdist_group("sql_servers")

BASE_DIR = Path(__file__).resolve().parents[2]
# the hand-written SQL (tests/hubdb/test_sql_paths.py), the claim's two forms side by side,
# and the webhook endpoint's cache following every change of an element
INNER_TESTS = [
    "tests/hubdb/test_sql_paths.py",
    "tests/runs/test_statements.py",
    "tests/inbound/test_webhook_lookup.py",
]
SCHEME = {"postgresql": "postgres", "mariadb": "mysql"}  # DATABASE_URL's scheme
VENDOR = {"postgresql": "postgresql", "mariadb": "mysql"}  # Django's connection.vendor
NAME = "hub"  # the child session's configured name; its database is test_hub


@dataclass(frozen=True)
class HubDatabase:
    server: SqlServer
    env: dict[str, str]  # a hub process's environment, without DATABASE_URL
    migrated: subprocess.CompletedProcess[str]  # `manage.py migrate` on it


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def hub_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubDatabase]:
    """A fresh database on the server, migrated by `manage.py migrate`."""
    fixture = "postgres_server" if request.param == "postgresql" else "mariadb_server"
    server: SqlServer = request.getfixturevalue(fixture)
    server.create_database(f"test_{NAME}")  # the server is this session's: no leftover
    env = hub_env(tmp_path_factory.mktemp(f"hubdb-{server.kind}"))
    try:
        migrated = manage(env, server, "migrate", "--no-input")
        yield HubDatabase(server, env, migrated)
    finally:
        server.drop_database(f"test_{NAME}")


def hub_env(data_dir: Path) -> dict[str, str]:
    """The environment of a hub process, without DATABASE_URL."""
    env = {
        name: value
        for name, value in os.environ.items()
        # this session's xdist worker and pytest settings are not the child's
        if not name.startswith("PYTEST_") and name != "DATABASE_URL"
    }
    return {**env, "CONNECTORHUB_DATA_DIR": str(data_dir)}


def database_url(server: SqlServer, name: str) -> str:
    return f"{SCHEME[server.kind]}://{server.user}:{server.password}@127.0.0.1:{server.port}/{name}"


def manage(
    env: dict[str, str], server: SqlServer, *args: str, database: str = f"test_{NAME}"
) -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` on DATABASE (the fresh one)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR, env={**env, "DATABASE_URL": database_url(server, database)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def assert_migrated(hub: HubDatabase) -> None:
    done = hub.migrated
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_migrate_applies_every_migration(hub_database: HubDatabase) -> None:
    assert_migrated(hub_database)
    # every migration of every app, as the plan lists them, applied
    plan = manage(
        hub_database.env, hub_database.server, "showmigrations", "--plan"
    ).stdout.splitlines()
    assert any(" connectors.0001_initial" in line for line in plan), plan
    assert all(line.startswith("[X] ") for line in plan), plan


def test_migrate_refuses_a_mariadb_database_that_ignores_case(
    mariadb_server: SqlServer, tmp_path: Path
) -> None:
    # its default collations compare text ignoring case (connectors/mariadb.py)
    mariadb_server.create_database("hub_ci", collation="utf8mb4_unicode_ci")
    try:
        env = hub_env(tmp_path)
        done = manage(env, mariadb_server, "migrate", "--no-input", database="hub_ci")
        assert done.returncode != 0
        assert "connectors.E201" in done.stderr and "utf8mb4_unicode_ci" in done.stderr
        assert "COLLATE utf8mb4_bin" in done.stderr  # the hint says what to do
        plan = manage(env, mariadb_server, "showmigrations", "--plan", database="hub_ci")
        assert plan.stdout and "[X]" not in plan.stdout  # nothing was applied
    finally:
        mariadb_server.drop_database("hub_ci")


def test_the_hand_written_sql_works_there(hub_database: HubDatabase, tmp_path: Path) -> None:
    assert_migrated(hub_database)
    server = hub_database.server
    env = {
        **hub_database.env,
        "DATABASE_URL": database_url(server, NAME),  # its test database: test_hub
        "CONNECTORHUB_TEST_DATABASE_VENDOR": VENDOR[server.kind],
        # the name its files carry (tests/conftest.py, xdist_worker): its Celery worker's log
        # is test-artifacts/celery-worker-hubdb-postgresql.log, not this session's
        "PYTEST_XDIST_WORKER": f"hubdb-{server.kind}",
    }
    report = tmp_path / "report.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
         "--reuse-db", "--migrations", f"--junitxml={report}", *INNER_TESTS],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    # every file ran, none skipped (a skip would hide a path not taken on this database)
    suite = ET.parse(report).getroot()
    ran = {case.get("classname", "").replace(".", "/") + ".py" for case in suite.iter("testcase")}
    assert ran == set(INNER_TESTS), done.stdout[-3000:]
    assert not list(suite.iter("skipped")), done.stdout[-3000:]
