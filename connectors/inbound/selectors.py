"""What the Inbound page and /api/v1/inbound/ show: every active or DOWN element with its
health and its latest activity (already redacted when it was written)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Prefetch

from connectors.inbound.models import ElementState, InboundActivity, InboundElement

RECENT_EVENTS = 5


@dataclass(frozen=True)
class Event:
    at: datetime
    severity: str
    message: str
    outcome: str


@dataclass(frozen=True)
class ElementOverview:
    pk: int
    process_id: str
    version: int
    latest: bool  # False: an older version kept while instances wait at its element
    process_definition_key: int
    element_id: str
    element_name: str
    kind: str
    inbound_type: str
    connector_kind: str
    endpoint: str  # a webhook's path below the hub, "" for others
    deduplication_id: str
    health: str  # UP or DOWN
    reason: str
    activated_at: datetime | None
    events: list[Event] = field(default_factory=list)
    url: str = ""  # the endpoint as an absolute URL, when the caller knows the host


def inbound_overview() -> list[ElementOverview]:
    recent = Prefetch("activities", queryset=InboundActivity.objects.order_by("-at", "-pk"))
    rows = (
        InboundElement.objects.exclude(state=ElementState.INACTIVE)
        .select_related("process")
        .prefetch_related(recent)
    )
    return [_overview(row) for row in rows]


def _overview(row: InboundElement) -> ElementOverview:
    endpoint = f"/inbound/{row.context_path}" if row.connector_kind == "webhook" else ""
    return ElementOverview(
        pk=row.pk,
        process_id=row.process.process_id,
        version=row.process.version,
        latest=row.process.latest,
        process_definition_key=row.process.process_definition_key,
        element_id=row.element_id,
        element_name=row.element_name,
        kind=row.kind,
        inbound_type=row.inbound_type,
        connector_kind=row.connector_kind,
        endpoint=endpoint,
        deduplication_id=row.deduplication_id,
        health="UP" if row.state == ElementState.ACTIVE else "DOWN",
        reason=row.reason,
        activated_at=row.activated_at,
        events=[
            Event(a.at, a.severity, a.message, a.outcome)
            for a in list(row.activities.all())[:RECENT_EVENTS]
        ],
    )


def elements_stamp() -> tuple[int, str]:
    """What changes whenever an inbound element does: their number and their newest
    `updated_at` (every write to an element sets it: the lifecycle's saves, `set_health`)."""
    stamp = InboundElement.objects.aggregate(count=Count("pk"), newest=Max("updated_at"))
    return int(stamp["count"]), str(stamp["newest"])
