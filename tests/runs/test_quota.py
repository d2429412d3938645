"""Per-user quota on dry-runs: runs started per minute and runs queued or running at once,
enforced by run_start, so the form, the API, re-runs and "Run all test cases" obey; the
`dryrun` command does not count."""

from __future__ import annotations

import itertools
import re
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from connectors.models import Run, RunStatus, SavedConfiguration
from connectors.runs.limits import RunLimitReached
from connectors.runs.services import run_start
from connectors.runs.testcases import run_test_cases, save_test_case
from connectors.tasks import reap_runs

from .conftest import wait_done, wait_for

LIST = "/api/v1/runs/"
ECHO = {"template_id": "test.echo", "values": {"text": "x"}}


@pytest.fixture
def limits(settings: Any) -> Any:
    settings.CONNECTORHUB_RUNS_PER_MINUTE = 0
    settings.CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER = 0
    return settings


def start(version: Any, user: Any, **kwargs: Any) -> Run:
    return run_start(version=version, values={"text": "x"}, variables={}, user=user,
                     enqueue=False, **kwargs)  # fmt: skip


@pytest.mark.django_db
def test_the_api_answers_429_with_the_limit_and_when_to_retry_at_the_cap(
    limits: Any, signed_in_client: Any, catalogue: dict
) -> None:
    limits.CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER = 2
    for _ in range(2):
        assert signed_in_client.post(LIST, ECHO, content_type="application/json").status_code == 202
    refused = signed_in_client.post(LIST, ECHO, content_type="application/json")
    assert refused.status_code == 429
    body = refused.json()
    assert body["detail"].startswith(
        "You already have 2 dry-runs queued or running, the most one user may have at once; "
        "try again when one of them has finished (in about "
    )
    assert body["limit"] == 2 and 1 <= body["retry_after"] <= 240
    assert refused["Retry-After"] == str(body["retry_after"])
    assert Run.objects.count() == 2
    # a run that ends frees its place
    Run.objects.filter(pk=Run.objects.first().pk).update(status=RunStatus.DONE)
    assert signed_in_client.post(LIST, ECHO, content_type="application/json").status_code == 202
    # a re-run is a run like any other
    rerun = signed_in_client.post(f"{LIST}{Run.objects.last().pk}/rerun/")
    assert rerun.status_code == 429 and rerun.json()["limit"] == 2


@pytest.mark.django_db
def test_runs_per_minute_are_limited_and_the_minute_passes(
    limits: Any, user: Any, catalogue: dict
) -> None:
    limits.CONNECTORHUB_RUNS_PER_MINUTE = 3
    runs = [start(catalogue["test.echo"], user) for _ in range(3)]
    Run.objects.update(status=RunStatus.DONE)  # done: only the rate counts
    with pytest.raises(RunLimitReached) as refused:
        start(catalogue["test.echo"], user)
    assert refused.value.limit == 3 and 1 <= refused.value.retry_after <= 60
    assert refused.value.messages == [
        "You have started 3 dry-runs in the last minute, the most one user may start per "
        f"minute; try again in {refused.value.retry_after} s."
    ]
    Run.objects.filter(pk=runs[0].pk).update(created_at=timezone.now() - timedelta(seconds=61))
    start(catalogue["test.echo"], user)  # a minute later the first one no longer counts


@pytest.mark.django_db
def test_staff_are_limited_too_the_dryrun_command_is_not_and_users_count_apart(
    limits: Any, user: Any, other_user: Any, catalogue: dict
) -> None:
    limits.CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER = 1
    user.is_staff = True
    user.save()
    start(catalogue["test.echo"], user)
    with pytest.raises(RunLimitReached):
        start(catalogue["test.echo"], user)
    start(catalogue["test.echo"], other_user)  # someone else's runs are theirs to count
    for _ in range(3):
        start(catalogue["test.echo"], None, source="command")


@pytest.mark.django_db
def test_the_web_forms_show_the_refusal(
    limits: Any, signed_in_client: Any, user: Any, catalogue: dict
) -> None:
    limits.CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER = 1
    run = start(catalogue["test.echo"], user)
    form = signed_in_client.post(
        reverse("run-create"), {"template": "test.echo", "values": '{"text": "x"}'}
    )
    assert form.status_code == 429
    assert "You already have 1 dry-runs queued or running" in form.content.decode()
    rerun = signed_in_client.post(reverse("run-rerun", args=[run.pk]))
    assert (
        rerun.status_code == 429 and "the most one user may have at once" in rerun.content.decode()
    )
    configure = signed_in_client.post(
        reverse("configure", args=["test.echo", 1]), {"action": "dry-run", "v:text": "x"}
    )
    assert "Not started: You already have 1 dry-runs" in configure.content.decode()
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_a_batch_of_test_cases_counts_as_one_run_and_waits_in_line(
    limits: Any, signed_in_client: Any, user: Any, catalogue: dict
) -> None:
    limits.CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER = 2
    for name in ("a", "b", "c"):
        save_test_case(configuration=SavedConfiguration.objects.create(
            owner=user, name=name, template_id="io.connectorhub.noop", template_version=1,
            values={},
        ))  # fmt: skip
    batch = run_test_cases(template_id="io.connectorhub.noop", user=user)
    runs = list(Run.objects.filter(batch=batch).order_by("pk"))
    assert [bool(run.task_id) for run in runs] == [True, False, False]  # one sent, two wait
    start(catalogue["test.echo"], user)  # the batch is one of the two
    with pytest.raises(RunLimitReached):
        start(catalogue["test.echo"], user)
    # a second batch would be a third run: refused whole, with the reason on the page
    page = signed_in_client.post(
        reverse("connector-tests", args=["io.connectorhub.noop"]), follow=True
    )
    assert "Not started: You already have 2 dry-runs queued or running" in page.content.decode()
    assert Run.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_requests_at_the_same_moment_cannot_all_pass_the_cap(
    limits: Any, user: Any, catalogue: dict
) -> None:
    limits.CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER = 1
    barrier = threading.Barrier(16)
    outcomes: list[str] = []

    def race() -> None:
        barrier.wait()
        try:
            start(catalogue["test.echo"], user)
            outcomes.append("started")
        except RunLimitReached:
            outcomes.append("refused")
        except Exception as exc:  # the assertion below shows it
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["refused"] * 15 + ["started"]
    assert Run.objects.count() == 1


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_batch_runs_one_run_at_a_time_to_the_end(
    limits: Any, runs_worker: Any, catalogue: dict, signed_in_client: Any, user: Any
) -> None:
    limits.CONNECTORHUB_MAX_ACTIVE_RUNS_PER_USER = 1
    for name in ("a", "b", "c"):
        save_test_case(configuration=SavedConfiguration.objects.create(
            owner=user, name=name, template_id="io.connectorhub.noop", template_version=1,
            values={"echo": f'="{name}"'},
        ), conditions=[f'response.echo = "{name}"'])  # fmt: skip
    response = signed_in_client.post(reverse("connector-tests", args=["io.connectorhub.noop"]))
    batch = re.search(r"batch=([0-9a-f-]+)", response["Location"]).group(1)
    wait_for(lambda: Run.objects.filter(batch=batch, status="done").count() == 3)
    runs = [wait_done(run.pk) for run in Run.objects.filter(batch=batch).order_by("pk")]
    assert all(run.test_passed for run in runs), [run.test_report for run in runs]
    for before, after in itertools.pairwise(runs):
        assert after.started_at >= before.finished_at  # never two at once


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_batch_left_waiting_is_resumed_by_the_periodic_reaper(
    limits: Any, runs_worker: Any, catalogue: dict, user: Any
) -> None:
    # as a worker leaves it when it dies between storing one run and sending the next
    batch = uuid.uuid4()
    waiting = [start(catalogue["test.echo"], user, batch=batch) for _ in range(2)]
    assert all(run.task_id == "" for run in waiting)
    reap_runs()  # what Celery beat runs every CONNECTORHUB_REAP_SECONDS
    assert [wait_done(run.pk).outcome for run in waiting] == ["completed", "completed"]
