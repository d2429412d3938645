"""run_start and run_execute in this process: what is recorded, how bad input is refused, and
how the outcome is stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from connectors.models import (
    Run,
    RunOutcome,
    RunSource,
    RunStatus,
    RunTestCase,
    SavedConfiguration,
)
from connectors.runs.services import WORKER_LOST, run_execute, run_fail, run_start
from connectors.secrets import MappingSecretProvider

from .conftest import respond_url

pytestmark = pytest.mark.django_db
NO_SECRETS = MappingSecretProvider({})


def start(version: Any, values: dict[str, Any], variables: Any = None, **kw: Any) -> Run:
    return run_start(
        version=version, values=values, variables=variables or {}, user=None, enqueue=False, **kw
    )


def test_run_records_template_values_variables_and_who(catalogue: dict, user: Any) -> None:
    values = {"echo": "=greeting", "resultVariable": "out"}
    run = run_start(
        version=catalogue["io.connectorhub.noop"],
        values=values,
        variables={"greeting": "hi"},
        user=user,
        source=RunSource.API,
        enqueue=False,
    )
    run.refresh_from_db()
    assert (run.template_id, run.version, run.job_type) == (
        "io.connectorhub.noop", 1, "io.connectorhub:noop:1"
    )  # fmt: skip
    assert run.values == values and run.variables == {"greeting": "hi"}
    assert run.created_by == user and run.source == "api" and run.status == RunStatus.QUEUED
    # the job holds the evaluated input mapping and the headers, as a worker receives them
    assert run.job["variables"] == {"echo": "hi"}
    assert run.job["headers"]["resultVariable"] == "out"
    assert run.job["retries"] == 3


def test_in_process_run_stores_the_outcome(catalogue: dict, test_registry: Any) -> None:
    run = start(
        catalogue["io.connectorhub.noop"],
        {"echo": "=n + 1", "resultExpression": "={answer: response.echo * 2}"},
        {"n": 20},
    )
    done = run_execute(run.pk, secrets=NO_SECRETS, registry=test_registry)
    assert done is not None and done.status == RunStatus.DONE
    assert done.outcome == RunOutcome.COMPLETED
    assert done.outcome_record.variables == {"answer": 42}
    assert done.outcome_record.response == {"echo": 21}
    assert done.outcome_record.error is None
    assert set(done.outcome_record.trace.timings_ms) == {"secrets", "validation", "call", "mapping"}
    assert done.started_at <= done.finished_at and done.duration_ms >= 0


def _columns(run: Run) -> dict[str, Any]:
    return {field.attname: getattr(run, field.attname) for field in Run._meta.concrete_fields}


def test_the_returned_run_is_the_stored_row(catalogue: dict, test_registry: Any, user: Any) -> None:
    """run_execute's caller (the task's log, the CI runner's verdict, the `dryrun` command)
    reads the run it returns: every column must be what the row holds, test-case verdict
    included, although the row is not read back after the outcome is written."""
    config = SavedConfiguration.objects.create(
        owner=user, name="c", template_id="io.connectorhub.noop", template_version=1, values={}
    )
    case = RunTestCase.objects.create(
        configuration=config, expected_outcome="completed", conditions=["response.echo = 2"]
    )
    run = start(catalogue["io.connectorhub.noop"], {"echo": "=1 + 1"}, test_case=case)
    done = run_execute(run.pk, worker="w1", secrets=NO_SECRETS, registry=test_registry)
    assert done is not None and done.status == RunStatus.DONE and done.test_passed is True
    assert _columns(done) == _columns(Run.objects.get(pk=run.pk))


@pytest.mark.parametrize(
    ("values", "variables", "key", "text"),
    [
        ({"nope": 1}, {}, "values.nope", "no such field"),
        ({"fail": "yes", "text": "x"}, {}, "values.fail", "true or false"),
        ({"text": "=1 +"}, {}, "values.text", ""),
        ({"text": "x"}, [1, 2], "variables", "must be a JSON object, not a list"),
        ({"text": "x"}, "vars", "variables", "not a string"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    catalogue: dict, values: Any, variables: Any, key: str, text: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        run_start(
            version=catalogue["test.echo"], values=values, variables=variables, user=None,
            enqueue=False,
        )  # fmt: skip
    assert key in caught.value.message_dict
    assert text in " ".join(caught.value.message_dict[key])
    assert not Run.objects.exists()


def test_time_limit_must_be_positive_and_within_the_worker_limit(catalogue: dict) -> None:
    for bad in (0, -1, 10_000, "5"):
        with pytest.raises(ValidationError) as caught:
            start(catalogue["test.echo"], {"text": "x"}, time_limit=bad)
        assert "time_limit" in caught.value.message_dict


def test_connector_exception_fails_the_run_not_the_caller(
    catalogue: dict, test_registry: Any
) -> None:
    run = start(catalogue["test.http"], {"url": "http://127.0.0.1:9/unreachable"})
    done = run_execute(run.pk, secrets=NO_SECRETS, registry=test_registry)
    assert done.outcome == RunOutcome.FAILED
    assert done.outcome_record.retries == 2
    assert "ConnectError" in done.outcome_record.trace.error["type"]
    assert done.error_message.startswith(done.outcome_record.trace.error["message"])


def test_unknown_job_type_fails_with_the_reason(catalogue: dict) -> None:
    from connectors.registry import load_registry

    run = start(catalogue["test.echo"], {"text": "x"})
    done = run_execute(run.pk, secrets=NO_SECRETS, registry=load_registry(plugins=[]))
    assert done.outcome == RunOutcome.FAILED and done.outcome_record.retries == 0
    assert "No connector is registered for job type 'test:echo:1'" in done.error_message


def test_a_redelivered_running_run_fails_instead_of_calling_again(
    catalogue: dict, test_registry: Any, http_server: Any
) -> None:
    run = start(catalogue["test.http"], {"url": respond_url(http_server)})
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, deliveries=1)
    calls = len(http_server.requests)
    done = run_execute(run.pk, secrets=NO_SECRETS, registry=test_registry)
    assert done.outcome == RunOutcome.FAILED and done.error_message == WORKER_LOST
    assert len(http_server.requests) == calls


def test_a_done_run_is_not_run_again_and_a_deleted_one_is_skipped(
    catalogue: dict, test_registry: Any
) -> None:
    run = start(catalogue["io.connectorhub.noop"], {"echo": "=1"})
    first = run_execute(run.pk, secrets=NO_SECRETS, registry=test_registry)
    again = run_execute(run.pk, secrets=NO_SECRETS, registry=test_registry)
    assert again.finished_at == first.finished_at
    # a failure reported late (a dying worker's main process) does not overwrite the outcome
    assert run_fail(run.pk, "late").outcome == RunOutcome.COMPLETED
    Run.objects.filter(pk=run.pk).delete()
    assert run_execute(run.pk, secrets=NO_SECRETS, registry=test_registry) is None
    assert run_fail(run.pk, "gone") is None


def test_stale_running_runs_are_failed_and_queued_ones_wait(catalogue: dict) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from connectors.runs.reaper import runs_mark_stale

    version = catalogue["io.connectorhub.noop"]
    stale = start(version, {}, time_limit=5)
    fresh = start(version, {}, time_limit=5)
    queued = start(version, {}, time_limit=5)
    long_ago = timezone.now() - timedelta(hours=1)
    Run.objects.filter(pk=stale.pk).update(status=RunStatus.RUNNING, started_at=long_ago)
    Run.objects.filter(pk=fresh.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    Run.objects.filter(pk=queued.pk).update(created_at=long_ago)
    assert runs_mark_stale() == 1
    stale.refresh_from_db(), fresh.refresh_from_db(), queued.refresh_from_db()
    assert stale.outcome == RunOutcome.FAILED and "No worker reported back" in stale.error_message
    assert fresh.status == RunStatus.RUNNING and queued.status == RunStatus.QUEUED
