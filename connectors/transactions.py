"""Write transactions that wait their turn on SQLite.

The web server and the workers share one SQLite file. A DEFERRED transaction that reads before
its first write fails at once with "database is locked" (the busy timeout does not apply) when
another connection committed in between. `write_transaction(Model)` makes a write its first
statement: an UPDATE of MODEL's table that matches no row, which takes SQLite's write lock and
waits for it like any write. Other databases lock rows as usual; there nothing is added.

Transactions stay DEFERRED for the rest (settings.py says why), so use this for blocks that
read and then write and may meet a concurrent writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models, transaction


@contextmanager
def write_transaction(model: type[models.Model]) -> Iterator[None]:
    """An atomic block whose first statement, on SQLite, takes the write lock (on the table of
    MODEL, which the block is about to write)."""
    with transaction.atomic():
        if connection.vendor == "sqlite":
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(str(model._meta.pk.column))
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET {column} = {column} WHERE 0")  # noqa: S608
        yield
