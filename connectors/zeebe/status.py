"""Counters and status: what the status page shows about a live worker.

`JobStats` counts the outcomes of jobs (an `Observer`), `WorkerState` is one worker's heartbeat,
and a `StatusSink` stores it: nowhere (`NullStatusSink`, the standalone worker) or in the hub's
database (`DatabaseStatusSink`, imported lazily: this module needs no Django).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from connectors.zeebe.jobs import MAX_ERROR_CHARS, JobRecord

logger = logging.getLogger("connectors.zeebe")  # one name for the whole adapter

OUTCOMES = ("completed", "failed", "bpmn_error")


@dataclass
class LastError:
    at: datetime
    message: str
    job_type: str = ""


class JobStats:
    """Per-minute counts of outcomes, and the last error; an `Observer`.

    `take_pending()` hands over what was counted since the last call, so the status sink can
    add it to what earlier runs of the worker stored (a restart keeps the hour's figures).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.totals = dict.fromkeys(OUTCOMES, 0)
        self.pending: dict[int, dict[str, int]] = {}
        self.last_error: LastError | None = None

    def __call__(self, record: JobRecord) -> None:
        minute = int(self.clock() // 60)
        bucket = self.pending.setdefault(minute, dict.fromkeys(OUTCOMES, 0))
        bucket[record.outcome] = bucket.get(record.outcome, 0) + 1
        self.totals[record.outcome] = self.totals.get(record.outcome, 0) + 1
        if record.outcome == "failed" or record.command_error:
            text = record.message or ""
            if record.command_error:
                text = f"{text} (command not delivered: {record.command_error})".strip()
            self.error(text, record.type)

    def error(self, message: str, job_type: str = "") -> None:
        at = datetime.fromtimestamp(self.clock(), tz=UTC)
        self.last_error = LastError(at, message[:MAX_ERROR_CHARS], job_type)

    def take_pending(self) -> dict[int, dict[str, int]]:
        pending, self.pending = self.pending, {}
        return pending


@dataclass
class WorkerState:
    """What the status page shows about one live worker."""

    name: str
    address: str
    job_types: list[str]
    stats: JobStats
    connected: bool = False
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stopped: bool = False


class StatusSink(Protocol):
    """Where the worker's heartbeat goes (the hub: a database row per worker name)."""

    async def publish(self, state: WorkerState) -> None: ...


class NullStatusSink:
    """No status store (the standalone worker): the log is all there is."""

    async def publish(self, state: WorkerState) -> None:
        state.stats.take_pending()


class DatabaseStatusSink:
    """The hub's sink: `ZeebeWorkerStatus` rows, written in a thread off the event loop."""

    def __init__(self) -> None:
        self.failing = False

    async def publish(self, state: WorkerState) -> None:
        from asgiref.sync import sync_to_async

        # Django models only when the hub's sink is used: the standalone worker has no Django
        from connectors.status.models import ZeebeWorkerStatus

        pending = state.stats.take_pending()
        try:
            await sync_to_async(ZeebeWorkerStatus.record_heartbeat, thread_sensitive=True)(
                name=state.name,
                address=state.address,
                job_types=state.job_types,
                connected=state.connected,
                started_at=state.started_at,
                stopped=state.stopped,
                counts=pending,
                last_error=state.stats.last_error,
            )
        except Exception as exc:  # the database may be down; the jobs must go on
            if not self.failing:  # the traceback once, then a line per heartbeat
                logger.exception("could not store the worker status")
            else:
                logger.warning("could not store the worker status: %r", exc)
            self.failing = True
            _merge_back(state.stats, pending)
        else:
            self.failing = False


def _merge_back(stats: JobStats, pending: dict[int, dict[str, int]]) -> None:
    for minute, counts in pending.items():
        bucket = stats.pending.setdefault(minute, dict.fromkeys(OUTCOMES, 0))
        for outcome, count in counts.items():
            bucket[outcome] = bucket.get(outcome, 0) + count
