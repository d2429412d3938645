"""The two writes of a worker's run path, one statement each: the claim (`queued` to `running`,
reading what executing the run needs) and the outcome (`running` to `done`).

They are written here from the model's metadata rather than through querysets: the ORM spent
more building them than the database spent running them (the claim's UPDATE and SELECT 0.58
against 0.18 ms, the outcome's UPDATE 0.34 against 0.1 ms, of a worker's ~2 ms per dry-run:
docs/performance.md). Values go through each field's `get_db_prep_save` and rows come back
through `Manager.raw()`, which applies the fields' converters, so JSON, dates and choices are
stored and read exactly as a queryset would.

The claim is one statement where the database can say which row an UPDATE changed (UPDATE ...
RETURNING: SQLite 3.35+, PostgreSQL); others (MariaDB and MySQL have no UPDATE ... RETURNING)
take the update and then a read, with the same result.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.models import Field
from django.utils import timezone

from connectors.models import Run, RunStatus

# The columns executing a run reads (services.run_execute and execution.hub.dry_run_environment).
# Reading all ~35 columns cost the worker more than the run's own queries; a caller that reads
# another column gets it loaded then.
EXECUTED_FIELDS = (
    "status", "deliveries", "job", "time_limit", "replay", "source", "created_by",
    "secrets_as", "test_case", "batch",
)  # fmt: skip


def claim(run_id: int, worker: str, *, returning: bool | None = None) -> tuple[Run | None, bool]:
    """(the run, True) when this call moved run RUN_ID from queued to running for WORKER;
    (the run as it is, False) when it was not queued; (None, False) when it is gone.

    RETURNING None uses UPDATE ... RETURNING where the database has it; False forces the
    update-then-read form (the tests hold both to the same answers)."""
    if returning is None:
        returning = _has_update_returning()
    changes = {
        "status": RunStatus.RUNNING,
        "started_at": timezone.now(),
        "worker": worker[:255],
        "deliveries": 1,
    }
    sql, params = _update(run_id, RunStatus.QUEUED, changes, returning=returning)
    if returning:
        rows = list(Run.objects.raw(sql, params))
        if rows:
            return rows[0], True
        return executed_row(run_id), False
    claimed = _execute(sql, params)  # before the read, which must see the claim
    return executed_row(run_id), claimed


def store_outcome(run_id: int, fields: Mapping[str, Any]) -> bool:
    """Set FIELDS on run RUN_ID if it is still running; False when it is gone or no longer
    running (failed meanwhile)."""
    return _execute(*_update(run_id, RunStatus.RUNNING, fields))


def executed_row(run_id: int) -> Run | None:
    """Run RUN_ID with EXECUTED_FIELDS loaded, or None."""
    try:  # get(), not first(): no ORDER BY over the model's ordering for a read by key
        return Run.objects.only(*EXECUTED_FIELDS).get(pk=run_id)
    except Run.DoesNotExist:
        return None


def _update(
    run_id: int, status: str, fields: Mapping[str, Any], *, returning: bool = False
) -> tuple[str, list[Any]]:
    """UPDATE setting FIELDS on run RUN_ID while it has STATUS (RETURNING: and giving back the
    run's EXECUTED_FIELDS), and its parameters."""
    params = [_field(name).get_db_prep_save(value, connection) for name, value in fields.items()]
    sql = _update_sql(connection.vendor, tuple(fields), returning)
    return sql, [*params, run_id, str(status)]


@functools.cache
def _update_sql(vendor: str, names: tuple[str, ...], returning: bool) -> str:
    """The statement's text, built once per database kind and set of columns."""
    assignments = ", ".join(f"{_column(name)} = %s" for name in names)
    table = connection.ops.quote_name(Run._meta.db_table)
    where = f"{_column('id')} = %s AND {_column('status')} = %s"
    sql = f"UPDATE {table} SET {assignments} WHERE {where}"  # noqa: S608 (names from the model)
    if returning:
        sql += " RETURNING " + ", ".join(_column(name) for name in ("id", *EXECUTED_FIELDS))
    return sql


def _execute(sql: str, params: list[Any]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return bool(cursor.rowcount == 1)


def _field(name: str) -> Field[Any, Any]:
    field = Run._meta.get_field(name)
    assert isinstance(field, Field), name  # a column of the run, not a reverse relation
    return field


def _column(name: str) -> str:
    return connection.ops.quote_name(str(_field(name).column))


def _has_update_returning() -> bool:
    # SQLite added RETURNING to INSERT and UPDATE in the same release (3.35), which is what
    # Django's flag reports for SQLite
    if connection.vendor == "sqlite":
        return bool(connection.features.can_return_columns_from_insert)
    return connection.vendor == "postgresql"
