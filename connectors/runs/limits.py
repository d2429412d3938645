"""How long a dry-run may take, and how many one user may start.

Time: the runtime's limit on the connector call, and the Celery limits above it that catch
whatever else hangs. The connector limit is the one users see (a failure that says the
connector did not finish in N s). The Celery soft limit comes MARGIN later (the task stores a
failure and ends), the hard limit MARGIN after that (the worker kills the process and the
request class marks the run).

Quota: a run can hold a worker for minutes, so one user may start at most
CONNECTORHUB_RUNS_PER_MINUTE runs a minute and have at most
CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER queued or running (`check_run_quota`, called by
`run_start`, so the form, the API, re-runs and test cases all obey; staff too, the `dryrun`
command not). A batch of "Run all test cases" runs one run at a time, so it counts as one.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.utils import timezone

from connectors.models import Run, RunStatus

RATE_WINDOW = timedelta(minutes=1)

MARGIN_SECONDS = 2.0
# A run still `running` this long after the hard limit has lost its worker.
STALE_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class Limits:
    connector: float
    soft: float
    hard: float


def default_connector_limit() -> float:
    """The connector limit when a run asks for none: just under the Celery soft limit."""
    soft = float(settings.CELERY_TASK_SOFT_TIME_LIMIT)
    return max(1.0, soft - MARGIN_SECONDS)


def limits_for(connector_limit: float) -> Limits:
    """Celery limits for a run whose connector may take CONNECTOR_LIMIT seconds."""
    soft = connector_limit + MARGIN_SECONDS
    hard = max(soft + MARGIN_SECONDS, min(float(settings.CELERY_TASK_TIME_LIMIT), soft * 2))
    return Limits(connector=connector_limit, soft=soft, hard=hard)


def stale_after_seconds(connector_limit: float) -> float:
    """How long a run may stay `running` before it counts as lost."""
    return limits_for(connector_limit).hard + STALE_GRACE_SECONDS


# --------------------------------------------------------------------------------------------
# Quota
# --------------------------------------------------------------------------------------------


class RunLimitReached(ValidationError):
    """A run refused by a per-user limit: LIMIT is the limit, RETRY_AFTER whole seconds."""

    def __init__(self, message: str, *, limit: int, retry_after: int) -> None:
        super().__init__(message, code="throttled")
        self.limit = limit
        self.retry_after = retry_after


def check_run_quota(user: Any, *, batch: uuid.UUID | None = None) -> None:
    """Raise RunLimitReached when USER may not start another run now.

    Call it inside the transaction that records the run: it locks USER's row first, so that
    two requests at once are counted one after the other and cannot both pass. A run that
    joins BATCH while the batch is still going adds nothing (the batch is one at a time).
    """
    if not getattr(user, "is_authenticated", False):
        return  # only the hub's own callers start runs without a user
    lock_quota(user)
    active = Run.objects.filter(created_by=user, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
    if batch is not None and active.filter(batch=batch).exists():
        return
    now = timezone.now()
    per_minute = int(settings.CONNECTORHUB_RUNS_PER_MINUTE)
    recent = Run.objects.filter(created_by=user, created_at__gt=now - RATE_WINDOW)
    if per_minute and _lanes(recent) >= per_minute:
        first = recent.order_by("created_at").values_list("created_at", flat=True).first()
        wait = (first + RATE_WINDOW - now).total_seconds() if first else 1.0
        raise RunLimitReached(
            f"You have started {per_minute} dry-runs in the last minute, the most one user may "
            f"start per minute; try again in {_seconds(wait)} s.",
            limit=per_minute,
            retry_after=_seconds(wait),
        )
    at_once = int(settings.CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER)
    if at_once and _lanes(active) >= at_once:
        wait = _soonest_end(active, now)
        raise RunLimitReached(
            f"You already have {at_once} dry-runs queued or running, the most one user may "
            f"have at once; try again when one of them has finished (in about "
            f"{_seconds(wait)} s).",
            limit=at_once,
            retry_after=_seconds(wait),
        )


def lock_quota(user: Any) -> None:
    """Hold USER's quota until the transaction ends: a no-op write to the user's row.

    PostgreSQL locks the row; SQLite takes its write lock (select_for_update does nothing
    there). Make it the transaction's first statement: on SQLite, a transaction that has read
    before its first write fails at once ("database is locked") when another one wrote since.
    """
    get_user_model().objects.filter(pk=user.pk).update(last_login=F("last_login"))


def _lanes(runs: QuerySet[Run]) -> int:
    """How many runs, counting every batch as one."""
    single = runs.filter(batch__isnull=True).count()
    return single + runs.filter(batch__isnull=False).values("batch").distinct().count()


def _soonest_end(active: QuerySet[Run], now: Any) -> float:
    """Seconds until the first of ACTIVE must have ended (a queued run: once it starts)."""
    ends = [
        ((started or now) - now).total_seconds() + limit
        for started, limit in active.values_list("started_at", "time_limit")
    ]
    return min(ends, default=1.0)


def _seconds(value: float) -> int:
    return max(1, math.ceil(value))
