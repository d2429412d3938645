"""How long a dry-run may take: the runtime's limit on the connector call, and the Celery
limits above it that catch whatever else hangs.

The connector limit is the one users see (a failure that says the connector did not finish in
N s). The Celery soft limit comes MARGIN later (the task stores a failure and ends), the hard
limit MARGIN after that (the worker kills the process and the request class marks the run).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

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
