"""The hub's own database on MariaDB (a `mysql://` DATABASE_URL): text compared as on SQLite
and PostgreSQL, exactly unless a lookup asks to ignore case.

MariaDB compares text by the collation its tables were created with, and a database's default
ones (`utf8mb4_general_ci`, `utf8mb4_unicode_ci`, ...) ignore case: a webhook at
`/inbound/orders` would answer `/inbound/Orders`, secret names differing in case would be one.
So the database must be `utf8mb4` with a binary collation (README); the system check below
(run by `migrate` before it creates a table, which takes the database's default) stops
`migrate` on any other.

Django's MySQL backend, though, reads `iexact` and `icontains` as a plain `LIKE`, leaving the
case to a case-insensitive collation: under a binary one they would match case exactly, and
`API_TOKEN` would no longer be taken by `api_token` (connectors/secrets/services.py), nor a
search for `git` find `GITHUB_TOKEN`. The two lookups below lower both sides on MySQL/MariaDB
and keep Django's SQL on every other database.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import connections
from django.db.models import CharField, TextField, lookups


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


def _lowered_like(lookup: Any, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
    """`LOWER(lhs) LIKE LOWER(pattern)`: the pattern as Django prepared it for LIKE (its `%`
    and `_` escaped, `%` around it for icontains), compared lowered."""
    lhs, lhs_params = lookup.process_lhs(compiler, connection)
    rhs, rhs_params = lookup.process_rhs(compiler, connection)
    return f"LOWER({lhs}) LIKE LOWER({rhs})", [*lhs_params, *rhs_params]


class LoweredIExact(lookups.IExact):
    def as_mysql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return _lowered_like(self, compiler, connection)


class LoweredIContains(lookups.IContains):
    def as_mysql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not self.rhs_is_direct_value():  # a column or expression: Django's own form
            return super().as_sql(compiler, connection)
        return _lowered_like(self, compiler, connection)


def register() -> None:
    """Used for every text field (connectors.apps, once Django is set up)."""
    for field in (CharField, TextField):
        field.register_lookup(LoweredIExact)
        field.register_lookup(LoweredIContains)
