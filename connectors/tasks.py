"""The Celery adapter: a dry-run task takes a run id and calls the service that runs it; a
periodic task (Celery beat) reaps stale runs.

The task carries only the run's id; the run is re-fetched (a deleted run is skipped) and
`connectors.runs.services.run_execute` does the work, so the task, the `dryrun` command and the
tests share one code path. The run row, not Celery's result backend, is what the UI reads.

Failures around the task end the run as failed with the reason:
- the runtime bounds the connector call (the run's `time_limit`); the soft limit a little later
  ends the task if anything else hangs;
- a hard time limit or a dead worker process is seen by the worker's main process, in
  `DryRunRequest`, which fails the run there (the child that would have is gone);
- a worker that vanishes entirely leaves the run `running`; with acks_late the message comes
  back and `run_execute` fails the redelivered run, and the periodic `reap_runs` (beat, every
  CONNECTORHUB_REAP_SECONDS) catches the rest.

A worker child keeps its database connection from task to task (CELERY_DB_REUSE_MAX; Celery
would open one per task, which cost a dry-run more than its own queries). The two signal
handlers below keep that as safe as a new connection: one the server dropped is replaced
before the task starts, and none survives a failed task (a time limit can stop a query half
way, which can leave a connection that looks usable but is not).
"""

from __future__ import annotations

import logging
from typing import Any

from billiard.exceptions import WorkerLostError
from celery import shared_task
from celery.exceptions import TimeLimitExceeded
from celery.signals import task_failure, task_prerun
from celery.worker.request import Request
from django.db import connections

from connectors.runs import reaper
from connectors.runs.services import DRY_RUN_TASK, WORKER_LOST, run_execute, run_fail

logger = logging.getLogger(__name__)

REAP_TASK = "connectors.reap_runs"  # CELERY_BEAT_SCHEDULE in the settings names it


class DryRunRequest(Request):  # type: ignore[misc]
    """Runs in the worker's main process: marks the run when its child cannot."""

    def on_timeout(self, soft: bool, timeout: float) -> None:
        super().on_timeout(soft, timeout)
        if not soft:
            _fail(
                self.args,
                f"The worker stopped the dry-run at its hard time limit of {timeout:g} s.",
            )

    def on_failure(
        self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False
    ) -> None:
        exc = exc_info.exception
        super().on_failure(exc_info, send_failed_event=send_failed_event, return_ok=return_ok)
        if isinstance(exc, WorkerLostError):
            _fail(self.args, f"{WORKER_LOST} ({exc})")
        elif isinstance(exc, TimeLimitExceeded):
            _fail(self.args, f"The worker stopped the dry-run at its hard time limit ({exc}).")


def _fail(args: Any, reason: str) -> None:
    try:
        run_fail(int(args[0]), reason)
    except Exception:  # the main process must survive a database hiccup
        logger.exception("could not mark dry-run %r as failed: %s", args, reason)


@shared_task(
    bind=True,
    name=DRY_RUN_TASK,  # the services send it by this name
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    Request=DryRunRequest,
)
def run_dryrun(self: Any, run_id: int) -> str:
    """Execute dry-run RUN_ID; returns its status (or `deleted`) for the worker's log."""
    run = run_execute(run_id, worker=self.request.hostname or "")
    if run is None:
        logger.info("dry-run %s was deleted before it ran", run_id)
        return "deleted"
    return str(run.status)


@shared_task(name=REAP_TASK, ignore_result=True)
def reap_runs() -> int:
    """Fail the runs a dead worker left `running` and send batches left waiting (beat)."""
    return reaper.reap_runs()


@task_prerun.connect
def _replace_unusable_connections(sender: Any = None, **_: Any) -> None:
    """Before a task: close a kept connection the database no longer answers on (PostgreSQL
    restarted meanwhile); the task's first query opens a new one."""
    if _eager(sender):
        return
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()


@task_failure.connect
def _close_connections_after_failure(sender: Any = None, **_: Any) -> None:
    """After a failed task: no connection it used is handed to the next task."""
    if not _eager(sender):
        connections.close_all()


def _eager(task: Any) -> bool:
    """A task run in the caller's process (`apply()`): its connections are the caller's, as
    Celery's own Django fixup leaves them."""
    return bool(getattr(getattr(task, "request", None), "is_eager", False))
