"""The data folder and the SQLite database are readable by their owner only.

They hold the development keys, API tokens and sessions: the folder is created 0700 and the
database file 0600 (SQLite gives its -wal and -shm files the database's mode). A folder or
database left open to others by an earlier version is tightened, with a log line, when it is
ours; someone else's is left alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> None:
    """Create PATH (mode 0700), or tighten it to 0700 if it is ours and open to others."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(path, FOLDER_MODE)


def _tighten(path: Path, mode: int) -> None:
    info = path.stat()
    current = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.geteuid() or not current & ~mode:
        return
    path.chmod(mode)
    logger.warning("%s was open to other users (mode %o); it is now %o", path, current, mode)


class PrivateSQLiteConnection(sqlite3.Connection):
    """A SQLite connection whose database file is created 0600 (`OPTIONS["factory"]`).

    SQLite itself creates the file 0644 less the umask; creating it empty first (an empty file
    is a valid database) gives it our mode instead, and no moment when others may read it.

    An existing file is never opened here: closing any descriptor of a database file drops
    the POSIX locks every other connection of this process holds on it (SQLite's documented
    trap), which corrupts concurrent connections ("disk I/O error"). O_EXCL creates the file
    only when it is missing, and then nobody can hold a lock on it yet.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        path = _file_path(database)
        if path is not None:
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
            _tighten(path, FILE_MODE)
        super().__init__(database, *args, **kwargs)


def _file_path(database: Any) -> Path | None:
    """The file of a database name, None for in-memory and `file:` URI databases."""
    name = os.fsdecode(database)
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)
