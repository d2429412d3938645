"""Settings come from the environment, strictly parsed; production passes Django's checks."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from connectorhub.env import ConfigurationError, env_bool, env_int, env_list, env_secret

BASE_DIR = Path(__file__).resolve().parents[2]


def test_malformed_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")

    with pytest.raises(ConfigurationError, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False)


def test_malformed_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("CELERY_TASK_TIME_LIMIT", "5m")

    with pytest.raises(ConfigurationError, match="CELERY_TASK_TIME_LIMIT='5m'"):
        env_int("CELERY_TASK_TIME_LIMIT", 300)


def test_lists_and_defaults(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "hub.example.com, ,10.0.0.1")
    monkeypatch.delenv("DEBUG", raising=False)

    assert env_list("ALLOWED_HOSTS", []) == ["hub.example.com", "10.0.0.1"]
    assert env_bool("DEBUG", False) is False


def test_secret_from_file(monkeypatch, tmp_path):
    secret_file = tmp_path / "key"
    secret_file.write_text("from-a-file\n")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret_file))

    assert env_secret("SECRET_KEY") == "from-a-file"


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        # The test process allows async-unsafe calls for Playwright; a deployment must not.
        env={k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_a_production_environment(tmp_path):
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "hub.example.com",
        "CONNECTORHUB_DATA_DIR": str(tmp_path),
        "SECURE_SSL_REDIRECT": "true",
        "SESSION_COOKIE_SECURE": "true",
        "CSRF_COOKIE_SECURE": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "CONNECTORHUB_SECRETS_KEY": "dGhpcy1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzLiE=",
    }

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=production)

    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_setting_stops_start_up_with_its_name(tmp_path):
    result = _manage("check", env={"DEBUG": "sometimes", "CONNECTORHUB_DATA_DIR": str(tmp_path)})

    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr


def test_development_secret_key_is_generated_once_with_private_permissions(tmp_path):
    env = {"CONNECTORHUB_DATA_DIR": str(tmp_path), "SECRET_KEY": ""}

    assert _manage("check", env=env).returncode == 0
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert _manage("check", env=env).returncode == 0

    assert key_file.read_text() == first
    assert key_file.stat().st_mode & 0o777 == 0o600


# Writes to the configured SQLite database and prints the modes of its files while it is open
# (SQLite removes the -wal and -shm files of WAL mode on closing).
WRITE_TO_DATABASE = (
    "import glob, os; from django.db import connection; "
    "connection.cursor().execute('CREATE TABLE IF NOT EXISTS probe (x)'); "
    "print({os.path.basename(f): oct(os.stat(f).st_mode & 0o777) "
    "for f in glob.glob(connection.settings_dict['NAME'] + '*')})"
)


def test_data_folder_and_sqlite_database_are_private_to_their_owner(tmp_path):
    data = tmp_path / "data"
    env = {"CONNECTORHUB_DATA_DIR": str(data), "SECRET_KEY": ""}

    result = _manage("shell", "-c", WRITE_TO_DATABASE, env=env)

    assert result.returncode == 0, result.stderr
    assert data.stat().st_mode & 0o777 == 0o700
    modes = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert modes == {f"connectorhub.sqlite3{end}": "0o600" for end in ("", "-wal", "-shm")}


def test_a_data_folder_open_to_others_is_tightened_and_says_so(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    database = data / "connectorhub.sqlite3"
    database.touch()
    database.chmod(0o644)
    env = {"CONNECTORHUB_DATA_DIR": str(data), "SECRET_KEY": "x" * 50}

    result = _manage("shell", "-c", WRITE_TO_DATABASE, env=env)

    assert result.returncode == 0, result.stderr
    assert data.stat().st_mode & 0o777 == 0o700
    assert database.stat().st_mode & 0o777 == 0o600
    assert f"{data} was open to other users (mode 755); it is now 700" in result.stderr
    assert f"{database} was open to other users (mode 644); it is now 600" in result.stderr


def test_a_new_connection_leaves_the_locks_of_open_ones_alone(tmp_path):
    """Closing any descriptor of a database file drops the POSIX locks all of this process's
    connections hold on it; a new connection must not open an existing file, or a second
    process writes in the middle of our transaction ("disk I/O error" in the live-server and
    Celery tests)."""
    import sqlite3
    import subprocess
    import sys

    from connectorhub.datadir import PrivateSQLiteConnection

    database = tmp_path / "locks.sqlite3"
    holder = sqlite3.connect(database, factory=PrivateSQLiteConnection, isolation_level=None)
    holder.execute("create table t (n)")
    holder.execute("begin exclusive")
    holder.execute("insert into t values (1)")
    sqlite3.connect(database, factory=PrivateSQLiteConnection).close()

    other = (
        f"import sqlite3; c = sqlite3.connect({str(database)!r}, timeout=0); "
        "c.execute('insert into t values (2)'); c.commit()"
    )
    result = subprocess.run([sys.executable, "-c", other], capture_output=True, text=True)

    assert result.returncode != 0 and "database is locked" in result.stderr
    holder.execute("commit")


@pytest.mark.parametrize(
    ("environment", "kept"),
    [
        ({}, 600),  # SQLite: a file handle, kept; spares each request the open and schema read
        ({"DATABASE_URL": "postgres://hub:pw@127.0.0.1:5432/hub"}, 0),  # a server's slots: asked
        (
            {"DATABASE_URL": "postgres://hub:pw@127.0.0.1:5432/hub", "DATABASE_CONN_MAX_AGE": "60"},
            60,
        ),
        ({"DATABASE_CONN_MAX_AGE": "0"}, 0),
    ],
)
def test_how_long_database_connections_are_kept(tmp_path, environment, kept):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env |= {"CONNECTORHUB_DATA_DIR": str(tmp_path), **environment}
    read = "import connectorhub.settings as s; print(s.DATABASES['default']['CONN_MAX_AGE'])"
    result = subprocess.run(
        [sys.executable, "-c", read], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == kept
