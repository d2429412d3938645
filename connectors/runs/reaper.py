"""The reaper: fails runs a dead worker left `running`, and sends batches left waiting.

It runs as a periodic Celery beat task (`connectors.tasks.reap_runs`, every
CONNECTORHUB_REAP_SECONDS; `make run` starts beat), never inside a request: a GET of the runs
list or a run page writes nothing. A run's page shows it `running` until the reaper fails it;
the deadline the reaper uses is already generous (the Celery hard time limit plus a grace),
so the page is at most one reaper interval behind.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from connectors.models import Run, RunStatus
from connectors.runs.limits import stale_after_seconds
from connectors.runs.services import run_fail, runs_resume_batches


def reap_runs(*, now: Any = None) -> int:
    """Fail the stale runs and resume waiting batches; how many runs were failed."""
    stale = runs_mark_stale(now=now)
    runs_resume_batches()
    return stale


def runs_mark_stale(*, now: Any = None) -> int:
    """Fail every run left `running` well past its hard time limit (its worker is gone).

    Queued runs are never touched: they wait for a worker, however long that takes.
    """
    running = Run.objects.filter(status=RunStatus.RUNNING, started_at__isnull=False)
    stale = sum(1 for run in running.only("pk", "status", "started_at", "time_limit")
                if run_check_stale(run, now=now) is not run)  # fmt: skip
    return stale


def run_check_stale(run: Run, *, now: Any = None) -> Run:
    """RUN, or the failed run it became when it has been `running` for too long."""
    if run.status != RunStatus.RUNNING or run.started_at is None:
        return run
    waited = stale_after_seconds(run.time_limit)
    if run.started_at + timedelta(seconds=waited) >= (now or timezone.now()):
        return run
    reason = (
        f"No worker reported back within {waited:g} s of starting this dry-run; "
        "its worker was probably stopped or lost its connection."
    )
    return run_fail(run.pk, reason) or run
