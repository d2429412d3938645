"""System check of the hub's own database (run by `migrate` and `check --database default`).

MariaDB compares text by the collation its tables were created with, and a database's default
one (`utf8mb4_general_ci`, `utf8mb4_unicode_ci`, ...) ignores case: a webhook at `/inbound/orders`
would answer `/inbound/Orders`, and secret names that differ in case would be one. SQLite and
PostgreSQL compare exactly; on MariaDB the database must be created `utf8mb4` with a binary
collation (README). Tables take the database's default when `migrate` creates them, so the
check runs before it does and stops it.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import connections


@checks.register(checks.Tags.database)
def mariadb_collation_check(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "mysql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT DATABASE(), @@character_set_database, @@collation_database")
            name, charset, collation = cursor.fetchone()
        if charset != "utf8mb4" or not collation.endswith("_bin"):
            errors.append(
                checks.Error(
                    f"the database {name} stores text as {charset} and compares it with "
                    f"{collation}: the hub needs utf8mb4 compared exactly (a binary collation)",
                    hint=f"before `migrate` creates its tables: ALTER DATABASE `{name}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                    id="connectors.E201",
                )
            )
    return errors
