"""Private PostgreSQL and MariaDB servers for the SQL connector's tests.

Each runs from Debian's packages in its own temporary folder, on 127.0.0.1 and a free port,
as the unprivileged `postgres`/`mysql` user when the tests run as root (initdb and mariadbd
refuse root), and is stopped by PID afterwards. `.ci/install-debian-packages` installs them;
locally a missing server skips its tests, with SQL_SERVERS_REQUIRED=1 (CI) it fails them.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.services import ports
from tests.services.fetched import missing

REQUIRED = "SQL_SERVERS_REQUIRED"
HOW_TO_GET = "run .ci/install-debian-packages (Debian: postgresql, mariadb-server)"
PASSWORD = "s3cret-Pw"  # the test user's password on both servers
USER = "hub"
DATABASE = "hubdb"


@dataclass(frozen=True)
class SqlServer:
    kind: str  # "postgresql" or "mariadb"
    port: int
    user: str = USER
    password: str = PASSWORD
    database: str = DATABASE
    # the server's own client as its superuser, over the local socket; SQL goes last
    admin: tuple[str, ...] = ()

    def as_admin(self, sql: str) -> None:
        """Run SQL as the server's superuser."""
        done = subprocess.run([*self.admin, sql], capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"{sql!r} failed on {self.kind}: {done.stderr.decode()}")

    def create_database(self, name: str, *, collation: str = "utf8mb4_bin") -> None:
        """A new, empty database NAME in which USER may do everything (create tables...);
        on MariaDB in utf8mb4 with COLLATION (the server's own default is latin1)."""
        if self.kind == "postgresql":
            self.as_admin(f"CREATE DATABASE \"{name}\" OWNER {self.user} ENCODING 'UTF8'")
        else:
            self.as_admin(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {collation}; "
                f"GRANT ALL ON `{name}`.* TO '{self.user}'@'%';"
            )

    def drop_database(self, name: str) -> None:
        """Remove database NAME, if there, with any connection still open to it."""
        if self.kind == "postgresql":
            self.as_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            self.as_admin(f"DROP DATABASE IF EXISTS `{name}`")


def _as(user: str) -> list[str]:
    """Run as USER when we are root (the servers refuse root)."""
    return ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []


def _need_user(name: str) -> None:
    """As root the server runs as NAME, which the Debian package creates."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(name)
    except KeyError:
        missing(f"no system user {name!r} to run the server as: {HOW_TO_GET}", REQUIRED)


def _folder(owner: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"hub-{owner}-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    return folder


def _probe(command: list[str]) -> Callable[[], bool]:
    """Listening is not accepting: ready once COMMAND (a client's query) succeeds."""
    return lambda: subprocess.run(command, capture_output=True).returncode == 0


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@contextlib.contextmanager
def postgresql() -> Iterator[SqlServer]:
    """A private PostgreSQL with a database and a password-authenticated user."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing(f"no PostgreSQL server: {HOW_TO_GET}", REQUIRED)
    _need_user("postgres")
    folder = _folder("postgres")
    run_as = _as("postgres")
    try:
        subprocess.run(
            [*run_as, str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", "postgres",
             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        (folder / "sock").mkdir()
        shutil.chown(folder / "sock", "postgres") if run_as else None
        start = functools.partial(_postgresql_on, bin_dir, folder, run_as)
        with ports.on_free_ports("PostgreSQL", 1, start) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _postgresql_on(
    bin_dir: Path, folder: Path, run_as: list[str], chosen: list[int]
) -> Iterator[SqlServer]:
    """The server of FOLDER on the port CHOSEN; its user and database made on its first start."""
    (port,) = chosen
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*run_as, str(bin_dir / "postgres"), "-D", str(folder / "data"), "-h", "127.0.0.1",
             "-p", str(port), "-k", str(folder / "sock"), "-c", "fsync=off"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        psql = [*run_as, str(bin_dir / "psql"), "-h", str(folder / "sock"), "-p", str(port)]
        as_postgres = [*psql, "-U", "postgres", "-d", "postgres"]
        ports.wait_serving(
            "PostgreSQL",
            process,
            [port],
            ready=_probe([*as_postgres, "-c", "select 1"]),
            output=lambda: log.read_text(errors="replace"),
            timeout=60,
        )
        for sql in (
            f"CREATE USER {USER} PASSWORD '{PASSWORD}'",
            f"CREATE DATABASE {DATABASE} OWNER {USER}",
        ):
            subprocess.run([*as_postgres, "-c", sql], check=True, capture_output=True)
        yield SqlServer("postgresql", port, admin=(*as_postgres, "-v", "ON_ERROR_STOP=1", "-c"))
    finally:
        ports.stop(process, 30)


@contextlib.contextmanager
def mariadb() -> Iterator[SqlServer]:
    """A private MariaDB with a database and a password-authenticated user."""
    install = shutil.which("mariadb-install-db")
    server = shutil.which("mariadbd") or (
        "/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None
    )
    if install is None or server is None:
        missing(f"no MariaDB server: {HOW_TO_GET}", REQUIRED)
    _need_user("mysql")
    folder = _folder("mysql")
    user = ["--user=mysql"] if os.geteuid() == 0 else []
    try:
        subprocess.run(
            [install, "--no-defaults", *user, f"--datadir={folder / 'data'}",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, capture_output=True,
        )  # fmt: skip
        start = functools.partial(_mariadb_on, server, user, folder)
        with ports.on_free_ports("MariaDB", 1, start) as running:
            yield running
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _mariadb_on(
    server: str, user: list[str], folder: Path, chosen: list[int]
) -> Iterator[SqlServer]:
    """The server of FOLDER on the port CHOSEN; its user and database made on its first start."""
    (port,) = chosen
    log, sock = folder / "server.log", folder / "mysqld.sock"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [server, "--no-defaults", *user, f"--datadir={folder / 'data'}", f"--socket={sock}",
             f"--pid-file={folder / 'mysqld.pid'}", f"--port={port}",
             "--bind-address=127.0.0.1", "--skip-log-bin", "--innodb-buffer-pool-size=64M",
             "--innodb-log-file-size=8M", "--skip-name-resolve"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        client = shutil.which("mariadb") or shutil.which("mysql") or "mariadb"
        root = [client, "--no-defaults", f"--socket={sock}", "-uroot"]
        ports.wait_serving(
            "MariaDB",
            process,
            [port],
            ready=_probe([*root, "-e", "select 1"]),
            output=lambda: log.read_text(errors="replace"),
            timeout=60,
        )
        sql = (
            f"CREATE DATABASE {DATABASE}; "
            f"CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'; "
            f"GRANT ALL ON {DATABASE}.* TO '{USER}'@'%';"
        )
        subprocess.run([*root, "-e", sql], check=True, capture_output=True)
        yield SqlServer("mariadb", port, admin=(*root, "-e"))
    finally:
        ports.stop(process, 30)
