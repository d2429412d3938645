"""The worker path's two hand-written statements (connectors.runs.statements) against the ORM:
the claim answers the same with UPDATE ... RETURNING as with an update and a read, and both
store and read every value as a queryset would."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.models import Run, RunStatus
from connectors.runs.services import run_start
from connectors.runs.statements import (
    EXECUTED_FIELDS,
    _has_update_returning,
    claim,
    store_outcome,
)

pytestmark = pytest.mark.django_db

# The claim's forms the session's database has: UPDATE ... RETURNING (SQLite 3.35+, PostgreSQL;
# not MariaDB) and the update then a read (all). tests/hubdb runs this file on each.
FORMS = [pytest.param(True, id="returning")] if _has_update_returning() else []
CLAIM_FORMS = pytest.mark.parametrize("returning", [*FORMS, pytest.param(False, id="two-step")])


def _queued(version: Any, **kw: Any) -> Run:
    return run_start(
        version=version, values={"echo": "=x"}, variables={"x": {"a": [1, "é"]}}, user=None,
        enqueue=False, time_limit=7.5, **kw,
    )  # fmt: skip


def _executed(run: Run) -> dict[str, Any]:
    return {name: getattr(run, Run._meta.get_field(name).attname) for name in EXECUTED_FIELDS}


@CLAIM_FORMS
def test_a_queued_run_is_claimed_with_what_executing_it_reads(
    catalogue: dict, returning: bool
) -> None:
    run = _queued(catalogue["io.connectorhub.noop"])
    claimed, mine = claim(run.pk, "worker-1" + "x" * 300, returning=returning)
    assert mine and claimed is not None and claimed.pk == run.pk
    stored = Run.objects.get(pk=run.pk)
    assert stored.status == RunStatus.RUNNING and stored.deliveries == 1
    assert stored.worker == ("worker-1" + "x" * 300)[:255] and stored.started_at is not None
    assert _executed(claimed) == _executed(stored)  # JSON, numbers and keys read back as stored
    assert claimed.job["variables"] == {"echo": {"a": [1, "é"]}}
    assert claimed.get_deferred_fields() >= {"values", "variables"}  # only what is needed


@CLAIM_FORMS
def test_a_run_that_is_not_queued_is_not_claimed_again(catalogue: dict, returning: bool) -> None:
    run = _queued(catalogue["io.connectorhub.noop"])
    assert claim(run.pk, "first", returning=returning)[1]
    again, mine = claim(run.pk, "second", returning=returning)
    assert not mine and again is not None and again.status == RunStatus.RUNNING
    assert Run.objects.get(pk=run.pk).worker == "first"
    Run.objects.filter(pk=run.pk).delete()
    assert claim(run.pk, "third", returning=returning) == (None, False)


def test_the_outcome_is_stored_only_on_a_running_run(catalogue: dict) -> None:
    run = _queued(catalogue["io.connectorhub.noop"])
    outcome = {"kind": "x", "n": [1.5]}
    fields = {"status": RunStatus.DONE, "stored_outcome": outcome, "duration_ms": 3}
    assert not store_outcome(run.pk, fields)  # still queued
    claim(run.pk, "w")
    assert store_outcome(run.pk, fields)
    stored = Run.objects.get(pk=run.pk)
    assert (stored.status, stored.stored_outcome, stored.duration_ms) == (
        RunStatus.DONE, outcome, 3,
    )  # fmt: skip
    assert not store_outcome(run.pk, {"duration_ms": 9})  # done: left alone
    assert Run.objects.get(pk=run.pk).duration_ms == 3
