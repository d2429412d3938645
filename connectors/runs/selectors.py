"""Reading runs: lists and history, one run, whether a worker is there to pick runs up, and
the figures the run page draws (timing waterfall).

A run belongs to whoever started it: its values may hold what they typed into a concealed
field, and its result what their secrets fetched. Every read here takes the user and shows
only their runs (staff see all); someone else's run is a 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from connectors.models import Run, RunStatus
from connectors.runs.stored import StoredOutcome
from connectors.status.health import check_worker

# A queued run younger than this is not worth asking the workers about: a worker that is there
# picks a run up in milliseconds.
WORKER_CHECK_AFTER = timedelta(seconds=2)
WORKER_STATUS_CACHE_SECONDS = 5
WORKER_STATUS_KEY = "connectorhub:runs:worker-status"
LIST_FIELDS = (
    "pk", "template_id", "version", "template_name", "job_type", "status", "outcome",
    "error_message", "created_at", "started_at", "finished_at", "duration_ms", "source",
    "created_by__username", "rerun_of_id",
)  # fmt: skip
URL_SCHEMES = ("http", "https", "ws", "wss")
PHASES = (
    ("secrets", "Secrets"),
    ("validation", "Validation"),
    ("call", "Call"),
    ("mapping", "Mapping"),
)


def runs_visible_to(user: Any) -> QuerySet[Run]:
    """The runs USER may see: their own; every run for staff; none for an anonymous user."""
    if not getattr(user, "is_authenticated", False):
        return Run.objects.none()
    if getattr(user, "is_staff", False):
        return Run.objects.all()
    return Run.objects.filter(created_by=user)


def run_list(
    *, user: Any, template_id: str = "", status: str = "", outcome: str = ""
) -> QuerySet[Run]:
    """USER's runs (all of them for staff), newest first, without their large JSON fields."""
    runs = (
        runs_visible_to(user)
        .select_related("created_by")
        .defer("values", "variables", "job", "stored_outcome")
    )
    if template_id:
        runs = runs.filter(template_id=template_id)
    if status:
        runs = runs.filter(status=status)
    if outcome:
        runs = runs.filter(outcome=outcome)
    return runs


def get_run(pk: int, *, user: Any) -> Run:
    """Run PK if USER may see it; Http404 otherwise (someone else's run looks like no run)."""
    run = (
        runs_visible_to(user)
        .select_related("created_by", "secrets_as", "template_version")
        .filter(pk=pk)
        .first()
    )
    if run is None:
        raise Http404(f"No run {pk}")
    return run


def target_hosts(run: Run) -> list[str]:
    """The hosts the URLs in RUN's job point to (http, https, ws, wss), in order of appearance.

    Shown beside a run someone else started, so that a staff user sees where its values send
    requests before they run them with their own secrets.
    """
    hosts: list[str] = []
    stack: list[Any] = [run.job or {}]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, str):
            host = _url_host(item.strip())
            if host and host not in hosts:
                hosts.append(host)
    return hosts


def _url_host(text: str) -> str:
    if "://" not in text:
        return ""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in URL_SCHEMES or not parts.hostname:
        return ""
    return f"{parts.hostname}:{port}" if port else parts.hostname


@dataclass(frozen=True)
class WorkerStatus:
    ok: bool
    detail: str


def worker_status() -> WorkerStatus:
    """Whether any Celery worker answers, cached for a few seconds (a ping takes a second)."""
    cached = cache.get(WORKER_STATUS_KEY)
    if cached is not None:
        return WorkerStatus(*cached)
    status = check_worker()
    cache.set(WORKER_STATUS_KEY, (status.ok, status.detail), WORKER_STATUS_CACHE_SECONDS)
    return WorkerStatus(status.ok, status.detail)


def waiting_without_worker(run: Run, *, now: Any = None) -> WorkerStatus | None:
    """For a run queued for a while: the worker status when no worker is listening, else None."""
    if run.status != RunStatus.QUEUED:
        return None
    now = now or timezone.now()
    if now - run.created_at < WORKER_CHECK_AFTER:
        return None
    status = worker_status()
    return None if status.ok else status


@dataclass(frozen=True)
class Bar:
    label: str
    start_ms: float
    ms: float
    left: float  # percent of the whole run
    width: float
    kind: str = "phase"  # or "http": an exchange inside the call


def waterfall(record: StoredOutcome | None) -> list[Bar]:
    """A run's phases and exchanges as bars on one time axis (percent of the run)."""
    timings = record.trace.timings_ms if record is not None and record.trace is not None else {}
    if record is None or not timings:
        return []
    total = max(float(record.duration_ms or 0), sum(timings.values()), 0.001)
    bars: list[Bar] = []
    offset = 0.0
    for key, label in PHASES:
        ms = float(timings.get(key, 0.0))
        bars.append(_bar(label, offset, ms, total))
        if key == "call":
            bars.extend(_exchange_bars(record.exchanges, offset, total))
        offset += ms
    return bars


def _exchange_bars(exchanges: list[dict[str, Any]], start: float, total: float) -> list[Bar]:
    """Exchanges laid out one after another inside the call (their own start is not recorded)."""
    bars = []
    offset = start
    for exchange in exchanges:
        ms = float(exchange.get("duration_ms") or 0.0)
        kind = exchange.get("method") or exchange.get("protocol", "")  # HTTP: the method
        label = f"{kind} {exchange.get('status') or 'error'}"
        bars.append(_bar(label, offset, ms, total, kind="http"))
        offset += ms
    return bars


def _bar(label: str, start: float, ms: float, total: float, kind: str = "phase") -> Bar:
    left = min(99.6, 100.0 * start / total)
    width = max(0.4, min(100.0 - left, 100.0 * ms / total))
    return Bar(label, round(start, 3), round(ms, 3), round(left, 2), round(width, 2), kind)
