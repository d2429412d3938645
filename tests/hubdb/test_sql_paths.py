"""The hub's hand-written SQL on the database this session runs on: in the suite SQLite, and
through tests/hubdb/test_server_databases.py a PostgreSQL and a MariaDB database that
`manage.py migrate` made. The same assertions hold on each, so what is stored reads back the
same everywhere: a dry-run's claim and outcome (connectors/runs/statements.py), the inbound
activity log's INSERT and trim (connectors/inbound/activity.py), the stamp the webhook
endpoint's cache is checked with (connectors/inbound/selectors.py), and text compared exactly
(a webhook's path) or ignoring case where a lookup asks to (secret names)."""

from __future__ import annotations

import os
from datetime import UTC
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from connectors.catalogue.registry_sync import sync_registry
from connectors.inbound import activity
from connectors.inbound.models import ElementState, InboundActivity, InboundElement, InboundProcess
from connectors.inbound.selectors import elements_stamp
from connectors.models import RunOutcome, RunStatus, TemplateVersion
from connectors.registry import load_registry
from connectors.runs import statements
from connectors.runs.services import run_start
from connectors.secrets.models import Secret
from connectors.secrets.selectors import secret_list
from connectors.secrets.services import secret_create
from tests.runs.conftest import wait_done

# Set by test_server_databases.py for the session it starts: the vendor Django must be on, so
# that a mistaken DATABASE_URL cannot pass on SQLite unnoticed.
EXPECTED_VENDOR = "CONNECTORHUB_TEST_DATABASE_VENDOR"
# A value with what databases store differently: text beyond the Basic Multilingual Plane
# (MySQL's old 3-byte utf8 refuses it), quotes and backslashes, a float, an integer past 32
# bits, nesting, empty containers, null and booleans.
SAMPLE = {
    "text": 'Grüße 🚀 "quoted" \\ back',
    "ratio": 1.5,
    "big": 2**40 + 1,
    "negative": -7,
    "nested": {"list": [1, "two", None, True, False], "empty": {}, "none": []},
}


def test_the_session_runs_on_the_expected_database() -> None:
    assert connection.vendor == os.environ.get(EXPECTED_VENDOR, "sqlite")


@pytest.fixture
def noop_version(db: None) -> TemplateVersion:
    sync_registry(load_registry(builtin_modules=["connectors.builtin.noop"], plugins=[]))
    return TemplateVersion.objects.get(entry__template_id="io.connectorhub.noop")


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_dry_run_is_claimed_run_and_read_back_as_stored(
    celery_worker: Any, noop_version: TemplateVersion
) -> None:
    # the real path: recorded and queued here, claimed by the Celery worker's claim statement
    # (UPDATE ... RETURNING where the database has it), the connector run, the outcome stored
    # by one UPDATE, read back here through the ORM
    values = {"echo": "=sample", "resultExpression": "={copy: response.echo, n: 2 * 21}"}
    started = run_start(
        version=noop_version, values=values, variables={"sample": SAMPLE}, user=None,
        time_limit=7.5,
    )  # fmt: skip
    run = wait_done(started.pk)
    assert (run.status, run.outcome) == (RunStatus.DONE, RunOutcome.COMPLETED)
    assert run.outcome_record is not None
    assert run.outcome_record.variables == {"copy": SAMPLE, "n": 42}
    assert run.outcome_record.response == {"echo": SAMPLE}
    assert run.variables == {"sample": SAMPLE} and run.job["variables"] == {"echo": SAMPLE}
    assert run.time_limit == 7.5 and isinstance(run.duration_ms, float)
    assert run.deliveries == 1 and run.worker
    # timestamps: aware, in UTC, to the microsecond as written, in the order things happened
    assert run.created_at == started.created_at
    assert all(t is not None and t.tzinfo == UTC for t in (run.started_at, run.finished_at))
    assert run.created_at <= run.started_at <= run.finished_at
    # the claim's form on this database (MariaDB has no UPDATE ... RETURNING)
    assert statements._has_update_returning() is (connection.vendor != "mysql")


def _element(element_id: str, **fields: Any) -> InboundElement:
    process, _ = InboundProcess.objects.get_or_create(
        process_definition_key=2251799813685249,  # a Zeebe key, past 32 bits
        defaults={"process_id": "orders", "version": 1, "xml": "<definitions/>", "source": "hub"},
    )
    return InboundElement.objects.create(
        process=process, element_id=element_id, kind="startEvent", inbound_type="io.x:hook:1",
        connector_kind="webhook", deduplication_id=element_id, context_path=element_id,
        state=ElementState.ACTIVE, **fields,
    )  # fmt: skip


@pytest.mark.django_db
def test_activity_lines_are_inserted_and_each_element_keeps_its_newest(settings: Any) -> None:
    settings.CONNECTORHUB_INBOUND_ACTIVITY_KEEP = 3
    first, second = _element("first"), _element("second")
    activity.record(second.pk, "second's only line")
    # several lines per INSERT, more than are kept, for both elements at once
    lines = [activity.Line(first.pk, f"line {n} 🚀", tag="T", outcome="X") for n in range(5)]
    activity.record_many([*lines, activity.Line(second.pk, "second's newer line")])
    kept = InboundActivity.objects.filter(element=first).order_by("pk")
    assert list(kept.values_list("message", flat=True)) == ["line 2 🚀", "line 3 🚀", "line 4 🚀"]
    assert {(line.tag, line.outcome, line.severity) for line in kept} == {("T", "X", "INFO")}
    assert all(line.at.tzinfo == UTC for line in kept)
    assert list(
        InboundActivity.objects.filter(element=second)
        .order_by("pk")
        .values_list("message", flat=True)
    ) == ["second's only line", "second's newer line"]
    for n in range(5, 8):  # one at a time, as a webhook writes them
        activity.record(first.pk, f"line {n}")
    assert list(kept.values_list("message", flat=True)) == ["line 5", "line 6", "line 7"]
    assert InboundActivity.objects.filter(element=second).count() == 2


@pytest.mark.django_db
def test_the_elements_stamp_changes_whenever_an_element_does() -> None:
    empty = elements_stamp()
    assert empty[0] == 0
    element = _element("orders")
    created = elements_stamp()
    assert created != empty and created[0] == 1
    assert elements_stamp() == created  # nothing written: the same stamp
    element.reason = "broker unreachable"
    element.save()
    saved = elements_stamp()
    assert saved != created
    activity.set_health([element.pk], up=False, reason="broker unreachable")
    down = elements_stamp()
    assert down != saved
    activity.set_health([element.pk], up=False, reason="broker unreachable")
    assert elements_stamp() == down  # the same health again writes nothing
    activity.set_health([element.pk], up=True)
    assert elements_stamp() != down
    other = _element("other")
    assert elements_stamp()[0] == 2
    other.delete()
    assert elements_stamp()[0] == 1


@pytest.mark.django_db
def test_a_webhook_path_is_matched_exactly_not_ignoring_case() -> None:
    # MariaDB compares text by its collation: the hub's database must be created with a
    # binary one (README), as SQLite and PostgreSQL compare
    _element("orders")
    assert (
        Client().post("/inbound/Orders", b"{}", content_type="application/json").status_code == 404
    )
    # the element's own path is found (and refused: no connector serves its made-up type)
    assert (
        Client().post("/inbound/orders", b"{}", content_type="application/json").status_code == 503
    )


@pytest.mark.django_db
def test_lookups_that_ignore_case_still_do(user: Any) -> None:
    # on MariaDB's binary collation too (connectors/mariadb.py): a secret name is taken in
    # every case, and the secrets page's search finds names in any case
    secret_create(name="API_TOKEN", value="original", user=user)
    with pytest.raises(ValidationError, match="already exists"):
        secret_create(name="api_token", value="other", user=user)
    assert [s.name for s in secret_list(search="token")] == ["API_TOKEN"]
    assert [s.name for s in secret_list(search="I_T")] == ["API_TOKEN"]
    # `_` and `%` are LIKE's wildcards: matched as themselves
    assert not Secret.objects.filter(name__iexact="apixtoken").exists()
    assert not secret_list(search="%")
    assert not Secret.objects.filter(name="api_token").exists()  # the exact one is exact
