"""Live Zeebe workers: one row per worker name, written by its heartbeat (connectors.zeebe)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone

from connectors.transactions import write_transaction

OUTCOMES = ("completed", "failed", "bpmn_error")
HOUR_MINUTES = 60
# A worker that has not reported for this long is shown as gone (it beats every 5 s).
STALE_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class WorkerSummary:
    """One worker as the status page shows it."""

    name: str
    address: str
    job_types: list[str]
    live: bool
    connected: bool
    heartbeat_at: datetime | None
    last_hour: dict[str, int]
    last_error: str
    last_error_at: datetime | None
    last_error_job_type: str

    @property
    def state(self) -> str:
        if not self.live:
            return "stopped" if self.heartbeat_at else "never reported"
        return "connected" if self.connected else "reconnecting"


class ZeebeWorkerStatus(models.Model):
    """The heartbeat of one live Zeebe worker (`manage.py zeebe_worker`), by worker name.

    `minute_counts` maps a minute (Unix time // 60, as text) to the number of jobs completed,
    failed and BPMN-errored in it; only the last hour is kept. Workers add their counts to
    what is there, so a restarted worker keeps the hour's figures. `last_error` is already
    redacted by the runtime (or is the worker's own connection problem).
    """

    name = models.CharField(max_length=200, unique=True)
    address = models.CharField(max_length=300, blank=True)
    job_types = models.JSONField(default=list)
    connected = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    minute_counts = models.JSONField(default=dict)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error_job_type = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def record_heartbeat(
        cls,
        *,
        name: str,
        address: str,
        job_types: Sequence[str],
        connected: bool,
        started_at: datetime,
        stopped: bool,
        counts: Mapping[int, Mapping[str, int]],
        last_error: Any = None,
    ) -> ZeebeWorkerStatus:
        """Store a heartbeat: state, counts since the last one, the newest error."""
        now = timezone.now()
        with write_transaction(cls):  # workers beat at the same time
            row, _ = cls.objects.select_for_update().get_or_create(name=name)
            row.address = address
            row.job_types = list(job_types)
            row.connected = connected and not stopped
            row.started_at = started_at
            row.heartbeat_at = now
            row.stopped_at = now if stopped else None
            row.minute_counts = _merged(row.minute_counts, counts, _minute(now))
            if last_error is not None and (
                row.last_error_at is None or last_error.at > row.last_error_at
            ):
                row.last_error = last_error.message
                row.last_error_at = last_error.at
                row.last_error_job_type = last_error.job_type
            row.save()
        return row

    def last_hour(self, now: datetime | None = None) -> dict[str, int]:
        first = _minute(now or timezone.now()) - HOUR_MINUTES + 1
        totals = dict.fromkeys(OUTCOMES, 0)
        for minute, counts in (self.minute_counts or {}).items():
            if int(minute) >= first:
                for outcome in OUTCOMES:
                    totals[outcome] += int(counts.get(outcome, 0))
        return totals

    def summary(self, now: datetime | None = None) -> WorkerSummary:
        now = now or timezone.now()
        live = (
            self.stopped_at is None
            and self.heartbeat_at is not None
            and now - self.heartbeat_at <= STALE_AFTER
        )
        return WorkerSummary(
            name=self.name,
            address=self.address,
            job_types=list(self.job_types or []),
            live=live,
            connected=live and self.connected,
            heartbeat_at=self.heartbeat_at,
            last_hour=self.last_hour(now),
            last_error=self.last_error,
            last_error_at=self.last_error_at,
            last_error_job_type=self.last_error_job_type,
        )


def _minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def _merged(
    stored: Mapping[str, Any], added: Mapping[int, Mapping[str, int]], now_minute: int
) -> dict[str, dict[str, int]]:
    first = now_minute - HOUR_MINUTES + 1
    merged: dict[str, dict[str, int]] = {
        key: dict(value) for key, value in (stored or {}).items() if int(key) >= first
    }
    for minute, counts in added.items():
        if minute < first:
            continue
        bucket = merged.setdefault(str(minute), dict.fromkeys(OUTCOMES, 0))
        for outcome, count in counts.items():
            bucket[outcome] = int(bucket.get(outcome, 0)) + int(count)
    return merged
