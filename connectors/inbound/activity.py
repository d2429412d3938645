"""The activity log and health of inbound elements (Camunda's ActivityLogWriter and
InboundConnectorContext.reportHealth). Every text is redacted by the caller's Redactor before
it reaches the database; each element keeps its newest CONNECTORHUB_INBOUND_ACTIVITY_KEEP lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from connectors.inbound.models import ElementState, InboundActivity, InboundElement

MAX_MESSAGE_CHARS = 2000
COLUMNS = ("element", "severity", "tag", "message", "outcome")  # Line.values(), after `at`
INSERT_ROWS = 100  # lines per INSERT: 600 parameters, under SQLite's oldest limit (999)


@dataclass(frozen=True)
class Line:
    """One activity line not written yet (a consumer's context keeps a few; record_many)."""

    element_pk: int
    message: str
    severity: str = "INFO"
    tag: str = ""
    outcome: str = ""

    def values(self) -> tuple[int, str, str, str, str]:
        """The columns after `at`, in COLUMNS' order, cut to their fields' lengths."""
        message = self.message[:MAX_MESSAGE_CHARS]
        return (self.element_pk, self.severity[:8], self.tag[:64], message, self.outcome)


def record(
    element_pk: int, message: str, *, severity: str = "INFO", tag: str = "", outcome: str = ""
) -> None:
    """One line for the element; older lines beyond the limit go."""
    record_many([Line(element_pk, message, severity, tag, outcome)])


def record_many(lines: Sequence[Line]) -> None:
    """LINES in one INSERT (per INSERT_ROWS), then one trim per element they belong to. Raw
    SQL, the statements the ORM built before with the same `at`: building them took 1.3 ms of
    the 1.5 ms a line cost on a loaded machine, on every webhook event."""
    connection = connections[router.db_for_write(InboundActivity)]
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    table, *columns = _names(connection, "at", *COLUMNS)
    row = f"({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(lines), INSERT_ROWS):
            chunk = lines[start : start + INSERT_ROWS]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (no input)
                f"VALUES {', '.join([row] * len(chunk))}",
                [value for line in chunk for value in (at, *line.values())],
            )
        for element_pk in dict.fromkeys(line.element_pk for line in lines):
            _trim(cursor, connection, element_pk)


def _trim(cursor: Any, connection: Any, element_pk: int) -> None:
    """One DELETE with a subquery: the lines at and below the first one beyond the newest KEEP."""
    table, pk, element = _names(connection, "id", "element")
    keep = settings.CONNECTORHUB_INBOUND_ACTIVITY_KEEP
    cursor.execute(
        f"DELETE FROM {table} WHERE {element} = %s AND {pk} <= ("  # noqa: S608 (no input)
        f"SELECT {pk} FROM {table} WHERE {element} = %s ORDER BY {pk} DESC LIMIT 1 OFFSET %s)",
        [element_pk, element_pk, keep],
    )


def _names(connection: Any, *fields: str) -> list[str]:
    """The table's quoted name, then each FIELD's quoted column (no input reaches the SQL)."""
    meta = InboundActivity._meta
    quote = connection.ops.quote_name
    # concrete fields by name: the reverse relations get_field can also return have no column
    columns = {field.name: field.column for field in meta.concrete_fields}
    return [quote(meta.db_table), *(quote(columns[name]) for name in fields)]


def set_health(element_pks: Iterable[int], *, up: bool, reason: str = "") -> None:
    """What a running connector reports: DOWN with its reason, or UP again. An element whose
    activation failed stays DOWN with that error until a sync clears it."""
    rows = InboundElement.objects.filter(pk__in=list(element_pks), activation_error="").exclude(
        state=ElementState.INACTIVE
    )
    state = ElementState.ACTIVE if up else ElementState.DOWN
    rows.exclude(state=state, reason=reason).update(
        state=state, reason="" if up else reason, updated_at=timezone.now()
    )
