"""Writing runs: start one (record + enqueue), execute one (in a worker or in-process), fail
one (`reaper` fails the ones a dead worker left behind).

The path of one dry-run:
1. `run_start` checks the values against the template, builds the job (`=` values evaluated
   against the sample variables, secret references left as they are), records the run as
   `queued` and, once the transaction commits, sends its id to Celery.
2. The task (connectors.tasks) or the `dryrun` command calls `run_execute(run_id)`, which claims
   the run (`running`), hands the job to the runtime core with the hub's secrets behind the
   dry-run policy (`DryRunSecretPolicy`: the connector must accept secrets, and the person who
   started the run must be allowed to use each one), stores the redacted outcome (`done`) and
   audits which secrets were used.
3. Whatever kills a run on the way (a worker crash, a hard time limit, a worker that never comes
   back) ends in `run_fail` with the reason, so no run stays `running` for ever.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from connectorhub.celery import app as celery_app
from connectors.configure import check, template_for
from connectors.execution.hub import dry_run_environment
from connectors.models import (
    Run,
    RunSource,
    RunStatus,
    RunTestCase,
    TemplateVersion,
)
from connectors.network.recording import check_recording
from connectors.network.replay import replaying
from connectors.registry import Registry
from connectors.runs import events
from connectors.runs.limits import (
    check_run_quota,
    default_connector_limit,
    limits_for,
)
from connectors.runs.statements import claim, store_outcome
from connectors.runs.stored import StoredOutcome, replay_verdict
from connectors.runs.verdicts import check_run
from connectors.runtime import JobRequest
from connectors.secrets import SecretProvider
from connectors.transactions import write_transaction

logger = logging.getLogger(__name__)

MAX_VALUES_BYTES = 1_048_576  # values or variables larger than this are refused
# Deeper values are refused up front: every recursive walker on the way (job building, FEEL,
# JSON encoding) would otherwise hit Python's recursion limit somewhere in the middle. The
# API's JSON parser (connectors.api.parsers) draws the line at the same depth.
MAX_JSON_DEPTH = 64

DRY_RUN_TASK = "connectors.run_dryrun"  # connectors.tasks.run_dryrun

WORKER_LOST = (
    "The worker running this dry-run stopped before it finished (crash, out of memory or "
    "killed). The run is not repeated because the connector may already have acted."
)


# --------------------------------------------------------------------------------------------
# Start
# --------------------------------------------------------------------------------------------


def run_start(
    *,
    version: TemplateVersion,
    values: Any,
    variables: Any,
    user: Any,
    configuration: Any = None,
    source: str = RunSource.WEB,
    time_limit: float | None = None,
    rerun_of: Run | None = None,
    test_case: RunTestCase | None = None,
    batch: uuid.UUID | None = None,
    enqueue: bool = True,
    secrets_as: Any = None,
    replay: dict[str, Any] | None = None,
) -> Run:
    """Record a dry-run of VERSION with VALUES and sample VARIABLES and send it to a worker.

    The run uses USER's secret permissions unless SECRETS_AS names someone else (`run_rerun`).
    Raises ValidationError keyed by `values.<field>`, `variables`, `template` or `time_limit`
    when the input cannot make a job, and RunLimitReached (a ValidationError) when USER has
    started too many (limits.check_run_quota; the `dryrun` command is exempt). With
    `enqueue=False` the caller runs it (`run_execute`). A run of a BATCH that is still going
    waits, unsent, until the batch's run before it has ended (`_start_next_in_batch`). With
    a REPLAY recording the run is offline: answered from it, no connection opened
    (connectors.network.replay); RecordingError (a ValueError) when it cannot be replayed.
    """
    starter = user if getattr(user, "is_authenticated", False) else None
    values = _json_object(values, "values")
    variables = _json_object(variables, "variables")
    limit = _time_limit(time_limit)
    job = _job_for(version, values, variables)
    if replay is not None:
        replay = check_recording(replay)
    with write_transaction(Run):
        if source != RunSource.COMMAND:
            check_run_quota(starter, batch=batch)
        send = enqueue and not (batch is not None and _active(batch).exists())
        run = Run.objects.create(
            template_id=version.entry.template_id,
            version=version.version,
            template_name=version.name,
            template_version=version,
            job_type=job["type"],
            values=values,
            variables=variables,
            job=job,
            rerun_of=rerun_of,
            source=source,
            created_by=starter,
            secrets_as=secrets_as if secrets_as is not None else starter,
            time_limit=limit,
            replay=replay,
            # the task id marks a run as sent; a batch's waiting runs get one on their turn
            task_id=str(uuid.uuid4()) if send else "",
            configuration=configuration,
            test_case=test_case,
            batch=batch,
        )
    if send:
        transaction.on_commit(lambda: run_enqueue(run))
    return run


def _active(batch: uuid.UUID) -> QuerySet[Run]:
    return Run.objects.filter(batch=batch, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])


def run_rerun(*, run: Run, user: Any, source: str = RunSource.WEB) -> Run:
    """The same template version, values and variables again, as USER's new run (an offline
    run again offline, from the same recording).

    The new run keeps RUN's secret permissions (`rerun_secrets_as`): a staff user re-running
    someone else's run must not lend their own secrets to values that person chose.
    """
    version = run.template_version
    if version is None:
        raise ValidationError(
            {"template": f"{run.template_id} {run.version_label} is no longer in the catalogue"}
        )
    secrets_as = rerun_secrets_as(run, user)
    return run_start(
        version=version,
        values=run.values,
        variables=run.variables,
        user=user,
        source=source,
        time_limit=run.time_limit,
        rerun_of=run,
        configuration=run.configuration,
        test_case=run.test_case,
        secrets_as=secrets_as,
        replay=run.replay,
    )


def rerun_secrets_as(run: Run, user: Any) -> Any:
    """Whose secret permissions a re-run of RUN by USER uses: RUN's, or a ValidationError.

    A run's values (its URL above all) were chosen by whoever started it, so a re-run keeps
    their permissions whoever presses the button. Runs of the `dryrun` command have nobody's:
    the operator typed those values, so a (staff) re-runner's own permissions apply. When the
    person is gone, nobody's permissions fit and the re-run is refused.
    """
    if run.secrets_as_id is not None:
        return run.secrets_as
    if run.source == RunSource.COMMAND and run.created_by_id is None:
        return user
    raise ValidationError(
        f"Run {run.pk} cannot be re-run: the user who started it no longer exists, and a "
        "re-run may use only their secret permissions. Open it as a configuration to run its "
        "values as yourself."
    )


def run_enqueue(run: Run) -> None:
    """Send RUN to the Celery queue; when the broker cannot be reached the run fails, saying so."""
    if not _send(run):
        _start_next_in_batch(run.batch)


def _send(run: Run) -> bool:
    """Send RUN to the Celery queue; False (and the run failed, saying why) when it could not.

    The task is sent by name: the task module imports this one, not the other way round.
    """
    limits = limits_for(run.time_limit)
    try:
        celery_app.send_task(
            DRY_RUN_TASK,
            args=[run.pk],
            task_id=run.task_id or None,
            soft_time_limit=limits.soft,
            time_limit=limits.hard,
            retry=False,
            # Nobody reads the task's result (the run row is the record), and sending by name
            # does not know the task's own ignore_result: without this, Celery subscribes this
            # process to the result's Redis channel and unsubscribes when the AsyncResult goes
            # (two round trips to Redis, ~1-5 ms of each send on a busy machine).
            ignore_result=True,
        )
    except Exception as exc:  # kombu raises several unrelated types when Redis is gone
        _fail(run.pk, f"The run could not be queued: the broker did not accept it ({exc}).")
        return False
    return True


def _start_next_in_batch(batch: uuid.UUID | None) -> None:
    """Send BATCH's next waiting run, after one of its runs ended (a batch runs one at a time).

    Nothing is sent while another run of the batch is sent or running, and the conditional
    update lets only one caller send a given run. A loop, not recursion: when the broker
    refuses one run, the next one is tried.
    """
    while batch is not None:
        if _active(batch).exclude(task_id="").exists():
            return  # its turn is taken
        waiting = (
            Run.objects.filter(batch=batch, status=RunStatus.QUEUED, task_id="")
            .order_by("pk")
            .first()
        )
        if waiting is None:
            return
        task_id = str(uuid.uuid4())
        if not Run.objects.filter(pk=waiting.pk, task_id="").update(task_id=task_id):
            return  # someone else sent it
        waiting.task_id = task_id
        if _send(waiting):
            return


def runs_resume_batches() -> None:
    """Send the next run of each batch that waits with none of its runs sent or running.

    A worker that died between storing one run and sending the next would otherwise leave the
    rest of its batch waiting for ever; the periodic reaper (`reaper.reap_runs`) calls this.
    """
    waiting = (
        Run.objects.filter(status=RunStatus.QUEUED, task_id="", batch__isnull=False)
        .values_list("batch", flat=True)
        .distinct()
    )
    for batch in list(waiting):
        _start_next_in_batch(batch)


def _json_object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError({name: f"must be a JSON object, not {_kind(value)}"})
    if _depth(value) > MAX_JSON_DEPTH:
        raise ValidationError({name: f"is nested more than {MAX_JSON_DEPTH} levels deep"})
    try:
        size = len(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValidationError({name: f"is not JSON: {exc}"}) from None
    if size > MAX_VALUES_BYTES:
        raise ValidationError({name: f"is larger than {MAX_VALUES_BYTES} bytes"})
    return value


def _depth(value: Any) -> int:
    """How deeply VALUE nests lists and dicts; iterative, so that depth itself cannot crash it."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a number" if isinstance(value, int | float) else type(value).__name__


def _time_limit(time_limit: float | None) -> float:
    ceiling = default_connector_limit()
    if time_limit is None:
        return ceiling
    if isinstance(time_limit, bool) or not isinstance(time_limit, int | float):
        raise ValidationError({"time_limit": "must be a number of seconds"})
    if not 0 < time_limit <= ceiling:
        raise ValidationError({"time_limit": f"must be more than 0 and at most {ceiling:g} s"})
    return float(time_limit)


def _job_for(
    version: TemplateVersion, values: dict[str, Any], variables: dict[str, Any]
) -> dict[str, Any]:
    """The job for these values, or a ValidationError naming each field that cannot make one."""
    try:
        template = template_for(version)  # parsed once per content, as the configure page
    except Exception as exc:  # stored templates were validated on import; say so if not
        raise ValidationError({"template": f"the stored template cannot be read: {exc}"}) from None
    prepared = check(template, values, variables)  # the configure page's translation and checks
    if prepared.errors:
        raise ValidationError({f"values.{key}": msgs for key, msgs in prepared.errors.items()})
    job = prepared.job
    if not job.type:
        raise ValidationError(
            {"template": "the template sets no job type: there is nothing to run"}
        )
    return {
        "type": job.type,
        "retries": job.retries,
        "variables": job.variables,
        "headers": job.headers,
    }


# --------------------------------------------------------------------------------------------
# Execute
# --------------------------------------------------------------------------------------------


def run_execute(
    run_id: int,
    *,
    worker: str = "",
    secrets: SecretProvider | None = None,
    registry: Registry | None = None,
) -> Run | None:
    """Run RUN_ID through the runtime core and store its outcome; None when it was deleted.

    A run that is already `running` when a worker picks it up was redelivered after its worker
    died: it fails with WORKER_LOST instead of calling the connector a second time. A run that
    is already done is left alone (a duplicate delivery).
    """
    run = _claim(run_id, worker)
    if run is None or run.status != RunStatus.RUNNING:
        return run
    events.publish(run.pk, RunStatus.RUNNING)
    try:
        # The environment audits the secrets the run used before the outcome is stored, so
        # that whoever sees the run done also finds the use in the audit trail.
        record = _outcome_of(run, secrets, registry)
        stored = _store(run, record)
    except SoftTimeLimitExceeded:
        # the limit may have stopped a query half way: the failure goes over a new connection,
        # and a worker that keeps its connection (connectors.tasks) does not keep that one
        connections.close_all()
        return run_fail(run.pk, "The dry-run did not finish within the worker's soft time limit.")
    except Exception as exc:
        # run_job turns every connector problem into an outcome; this is the hub's own trouble
        # (no secrets provider, a database error). The worker log has the traceback.
        logger.exception("run %s: the dry-run could not be executed", run.pk)
        return run_fail(run.pk, f"The dry-run could not be executed: {type(exc).__name__}: {exc}")
    if not stored:
        run.refresh_from_db()  # failed or deleted meanwhile: show what the row says now
        return run
    events.publish(run.pk, RunStatus.DONE)
    _start_next_in_batch(run.batch)
    return run


def _claim(run_id: int, worker: str) -> Run | None:
    """Move a queued run to `running`; a redelivered running one fails (see run_execute)."""
    run, claimed = claim(run_id, worker)
    if run is None or claimed:
        return run
    if run.status == RunStatus.RUNNING:
        Run.objects.filter(pk=run_id).update(deliveries=run.deliveries + 1)
        return run_fail(run_id, WORKER_LOST)
    return run


def _outcome_of(
    run: Run, secrets: SecretProvider | None, registry: Registry | None
) -> StoredOutcome:
    job = run.job
    request = JobRequest(
        type=job["type"],
        variables=job.get("variables") or {},
        headers=job.get("headers") or {},
        retries=int(job.get("retries", 3)),
    )
    environment = dry_run_environment(run, secrets=secrets, registry=registry)
    record = StoredOutcome.from_outcome(environment.run(request))
    return replay_verdict(record, replaying(environment.address_policy))


def _store(run: Run, record: StoredOutcome) -> bool:
    """Write the (already redacted) outcome, and set it on RUN as written; False when the run
    is gone or was failed meanwhile.

    Setting the written columns on RUN spares re-reading the whole row: the worker, holding
    the run's only pool slot, would otherwise spend that read before it can take the next.
    """
    fields = {**_outcome_fields(run.test_case_id, record), "finished_at": timezone.now()}
    if not store_outcome(run.pk, fields):
        return False
    for name, value in fields.items():
        setattr(run, name, value)
    return True


def _outcome_fields(test_case_id: int | None, record: StoredOutcome) -> dict[str, Any]:
    """The columns a finished run's RECORD sets: the record, the copies the lists filter and
    show (outcome, error message, duration), and a test case's verdict."""
    fields: dict[str, Any] = {
        "status": RunStatus.DONE,
        "stored_outcome": record.dump(),
        "outcome": record.kind,
        "error_message": record.message,
        "duration_ms": record.duration_ms,
    }
    test_case = RunTestCase.objects.filter(pk=test_case_id).first() if test_case_id else None
    if test_case is not None:
        verdict = check_run(test_case, record)
        fields.update(test_passed=verdict.passed, test_report=verdict.report)
    return fields


# --------------------------------------------------------------------------------------------
# Failures around the runtime
# --------------------------------------------------------------------------------------------


def run_fail(run_id: int, reason: str) -> Run | None:
    """End run RUN_ID as failed with REASON unless it is already done; None when deleted.

    The next run of its batch, if any, is sent.
    """
    run = _fail(run_id, reason)
    if run is not None and run.batch is not None:
        _start_next_in_batch(run.batch)
    return run


def _fail(run_id: int, reason: str) -> Run | None:
    record = StoredOutcome.failure(reason)
    test_case_id = Run.objects.filter(pk=run_id).values_list("test_case_id", flat=True).first()
    updated = (
        Run.objects.filter(pk=run_id)
        .exclude(status=RunStatus.DONE)
        .update(**_outcome_fields(test_case_id, record), finished_at=timezone.now())
    )
    if updated:
        events.publish(run_id, RunStatus.DONE)
    return Run.objects.filter(pk=run_id).first()
