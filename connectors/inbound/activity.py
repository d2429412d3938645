"""The activity log and health of inbound elements (Camunda's ActivityLogWriter and
InboundConnectorContext.reportHealth). Every text is redacted by the caller's Redactor before
it reaches the database; each element keeps its newest CONNECTORHUB_INBOUND_ACTIVITY_KEEP lines.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Subquery
from django.utils import timezone

from connectors.inbound.models import ElementState, InboundActivity, InboundElement

MAX_MESSAGE_CHARS = 2000


def record(
    element_pk: int, message: str, *, severity: str = "INFO", tag: str = "", outcome: str = ""
) -> None:
    """One line for the element; older lines beyond the limit go."""
    keep = settings.CONNECTORHUB_INBOUND_ACTIVITY_KEEP
    InboundActivity.objects.create(
        element_id=element_pk,
        message=message[:MAX_MESSAGE_CHARS],
        severity=severity[:8],
        tag=tag[:64],
        outcome=outcome,
    )
    lines = InboundActivity.objects.filter(element_id=element_pk)
    oldest_gone = lines.order_by("-pk").values("pk")[keep : keep + 1]
    # one DELETE with a subquery: the lines at and below the first one beyond the newest KEEP
    lines.filter(pk__lte=Subquery(oldest_gone)).delete()


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
