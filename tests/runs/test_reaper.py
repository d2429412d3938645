"""Stale runs are reaped by a periodic Celery beat task, never by the pages that show them.

A GET of the runs list, a run page, its live part or the API writes nothing, even for a run
long past its deadline; the beat schedule holds the reaper, which fails such a run (and the
real worker runs it by the name beat sends).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from connectorhub.celery import app
from connectors.models import Run, RunOutcome, RunStatus
from connectors.runs.services import run_start
from connectors.tasks import REAP_TASK, reap_runs

from .conftest import wait_for

WRITES = ("INSERT", "UPDATE", "DELETE")


def stale_run(version: Any, user: Any) -> Run:
    """A run its worker left `running` an hour ago."""
    run = run_start(version=version, values={}, variables={}, user=user, enqueue=False)
    long_ago = timezone.now() - timedelta(hours=1)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=long_ago)
    return run


def run_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(WRITES) and "connectors_run" in q["sql"]
    ]


@pytest.mark.django_db
def test_looking_at_runs_writes_nothing_even_past_a_deadline(
    catalogue: dict, user: Any, signed_in_client: Any, client: Any
) -> None:
    run = stale_run(catalogue["io.connectorhub.noop"], user)
    token = Token.objects.create(user=user)
    api = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    with CaptureQueriesContext(connection) as queries:
        pages = [
            signed_in_client.get(reverse("run-list")),
            signed_in_client.get(reverse("run-detail", args=[run.pk])),
            signed_in_client.get(reverse("api-run-list"), **api),
            signed_in_client.get(reverse("api-run-detail", args=[run.pk]), **api),
        ]
    assert [page.status_code for page in pages] == [200] * 4
    assert run_writes(queries) == []
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.outcome == ""


@pytest.mark.django_db
def test_the_reaper_fails_a_run_past_its_deadline_and_leaves_a_fresh_one(
    catalogue: dict, user: Any
) -> None:
    version = catalogue["io.connectorhub.noop"]
    stale = stale_run(version, user)
    fresh = run_start(version=version, values={}, variables={}, user=user, enqueue=False)
    Run.objects.filter(pk=fresh.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    assert reap_runs() == 1
    stale.refresh_from_db(), fresh.refresh_from_db()
    assert stale.outcome == RunOutcome.FAILED and "No worker reported back" in stale.error_message
    assert fresh.status == RunStatus.RUNNING


def test_the_beat_schedule_runs_the_reaper_and_keeps_its_file_in_the_data_folder() -> None:
    (entry,) = [e for e in app.conf.beat_schedule.values() if e["task"] == REAP_TASK]
    assert entry["schedule"] == settings.CONNECTORHUB_REAP_SECONDS
    assert REAP_TASK in app.tasks
    schedule = Path(app.conf.beat_schedule_filename)
    # the data folder, or under xdist its parent: each test worker's DATA_DIR is a subfolder of
    # the configured one (tests/conftest.py), made after Celery read its settings
    assert Path(settings.DATA_DIR).is_relative_to(schedule.parent)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_reaper_beat_sends(
    runs_worker: Any, catalogue: dict, user: Any
) -> None:
    run = stale_run(catalogue["io.connectorhub.noop"], user)
    app.send_task(REAP_TASK)  # what beat sends, by name
    wait_for(lambda: Run.objects.get(pk=run.pk).status == RunStatus.DONE)
    run.refresh_from_db()
    assert run.outcome == RunOutcome.FAILED and "No worker reported back" in run.error_message
