"""Through the product's real path: "Run all test cases" live, then offline, each batch run by
the Celery worker; the offline batch passes with the API server stopped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.models import Run, TemplateVersion
from connectors.runs.testcases import run_test_cases
from tests.builtin.conftest import REST_ID
from tests.replay.conftest import rest_values, save_case
from tests.runs.conftest import wait_done
from tests.services.celery_worker import loopback_allowed
from tests.services.http_servers import RecordingServer

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def egress_worker(celery_worker: Any) -> Iterator[Any]:
    """The session's worker, admitting the local API server (127.0.0.1) for this test."""
    with loopback_allowed(note="the API server under test"):
        yield celery_worker


def batch_runs(batch: Any) -> list[Run]:
    runs = list(Run.objects.filter(batch=batch).order_by("pk"))
    return [wait_done(run.pk, timeout=30) for run in runs]


def test_run_all_live_then_offline_in_the_worker(
    egress_worker: Any, rest: TemplateVersion, api: RecordingServer, user: Any
) -> None:
    for name in ("first", "second"):
        save_case(user, rest, rest_values(rest, api.url), name=name,
                  conditions=['variables.items = ["a", "b"]'])  # fmt: skip
    live = batch_runs(run_test_cases(template_id=REST_ID, user=user))
    assert [run.test_passed for run in live] == [True, True]
    api.stop()

    offline = batch_runs(run_test_cases(template_id=REST_ID, user=user, offline=True))

    assert [run.test_passed for run in offline] == [True, True], [r.error_message for r in offline]
    assert all(run.replay is not None for run in offline)
    assert api.count("/items") == 2
