"""The activity log and health of inbound elements (Camunda's ActivityLogWriter and
InboundConnectorContext.reportHealth). Every text is redacted by the caller's Redactor before
it reaches the database; each element keeps its newest CONNECTORHUB_INBOUND_ACTIVITY_KEEP lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from connectors.inbound.models import ElementState, InboundActivity, InboundElement

MAX_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class Line:
    """One activity line not written yet (a consumer's context keeps a few; record_many)."""

    element_pk: int
    message: str
    severity: str = "INFO"
    tag: str = ""
    outcome: str = ""

    def row(self) -> InboundActivity:
        return InboundActivity(
            element_id=self.element_pk,
            message=self.message[:MAX_MESSAGE_CHARS],
            severity=self.severity[:8],
            tag=self.tag[:64],
            outcome=self.outcome,
        )


def record(
    element_pk: int, message: str, *, severity: str = "INFO", tag: str = "", outcome: str = ""
) -> None:
    """One line for the element; older lines beyond the limit go."""
    record_many([Line(element_pk, message, severity, tag, outcome)])


def record_many(lines: Sequence[Line]) -> None:
    """LINES in one INSERT, then one trim per element they belong to."""
    InboundActivity.objects.bulk_create([line.row() for line in lines])
    for element_pk in dict.fromkeys(line.element_pk for line in lines):
        _trim(element_pk)


def _trim(element_pk: int) -> None:
    """One DELETE with a subquery: the lines at and below the first one beyond the newest KEEP.
    Raw SQL, the statement the ORM built before: building it took about 1 ms per line written
    (more than the INSERT and the DELETE themselves together), on every webhook event."""
    connection = connections[router.db_for_write(InboundActivity)]
    quote = connection.ops.quote_name
    table, pk = quote(InboundActivity._meta.db_table), quote(InboundActivity._meta.pk.column)
    element = quote(InboundActivity._meta.get_field("element").column)
    keep = settings.CONNECTORHUB_INBOUND_ACTIVITY_KEEP
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {element} = %s AND {pk} <= ("  # noqa: S608 (no input)
            f"SELECT {pk} FROM {table} WHERE {element} = %s ORDER BY {pk} DESC LIMIT 1 OFFSET %s)",
            [element_pk, element_pk, keep],
        )


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
