"""Test cases: expectations on a saved configuration's dry-run, checked when the run ends.

A test case says which outcome to expect (completed, BPMN error, failure; or any), optionally
the error code, and FEEL conditions that must be true, evaluated against the stored (redacted)
outcome:

    response   the raw connector result            response.status = 200
    variables  what the process would receive      variables.id != null
    error      {code, message}, null on completion error.code = "404"
    outcome    "completed" | "bpmn_error" | "failed"

"Run all test cases" of a connector starts one run per test case of the user's configurations
for that connector, under one batch id; the table compares each run with the test case's
previous one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from connectors import feel
from connectors.models import (
    CatalogueEntry,
    Run,
    RunOutcome,
    RunSource,
    RunTestCase,
    SavedConfiguration,
)
from connectors.network.recording import RecordingError
from connectors.runs.limits import RunLimitReached, lock_quota
from connectors.runs.recordings import recording_for
from connectors.runs.services import run_fail, run_start
from connectors.runs.stored import StoredOutcomeError

MAX_CONDITIONS = 50
MAX_DIFF_LINES = 12


# --------------------------------------------------------------------------------------------
# Writing test cases
# --------------------------------------------------------------------------------------------


def save_test_case(
    *,
    configuration: SavedConfiguration,
    expected_outcome: str = "",
    expected_error_code: str = "",
    conditions: list[str] | None = None,
) -> RunTestCase:
    """Create or replace the test case of CONFIGURATION; ValidationError names the bad part."""
    conditions = [c.strip() for c in conditions or [] if c and c.strip()]
    errors: dict[str, list[str]] = {}
    if expected_outcome not in ("", *RunOutcome.values):
        errors["expected_outcome"] = [
            f"must be one of {', '.join(RunOutcome.values)} or empty (any outcome)"
        ]
    if expected_error_code and expected_outcome == RunOutcome.COMPLETED:
        errors["expected_error_code"] = ["a completed run has no error code"]
    if len(conditions) > MAX_CONDITIONS:
        errors["conditions"] = [f"at most {MAX_CONDITIONS} conditions"]
    for index, condition in enumerate(conditions, start=1):
        problems = feel.check(condition.removeprefix("="))
        if problems:
            errors.setdefault("conditions", []).append(
                f"condition {index} ({condition}): {problems[0].message}"
            )
    if errors:
        raise ValidationError(errors)
    test_case, _ = RunTestCase.objects.update_or_create(
        configuration=configuration,
        defaults={
            "expected_outcome": expected_outcome,
            "expected_error_code": expected_error_code.strip(),
            "conditions": conditions,
        },
    )
    return test_case


def run_test_cases(*, template_id: str, user: Any, offline: bool = False) -> uuid.UUID:
    """Start one run per test case of USER's configurations of TEMPLATE_ID; the batch id.

    OFFLINE runs replay each test case's recording (`recordings.recording_for`) and open no
    connection; a test case without one gets a failed run saying so.

    The batch runs one run at a time (services: a batch's runs wait their turn), so that it
    holds one worker and counts as one run against the user's quota; RunLimitReached when
    the user may start no run now (then nothing is recorded). A configuration whose template
    version is no longer in the catalogue, or whose values no longer fit it, gets a failed run
    saying so, so that every test case has a row.
    """
    # one transaction: every run of the batch is recorded before the first one is sent
    with transaction.atomic():
        if getattr(user, "is_authenticated", False):
            lock_quota(user)  # first, before the reads (see lock_quota)
        return _start_batch(template_id, user, offline)


def _start_batch(template_id: str, user: Any, offline: bool) -> uuid.UUID:
    batch = uuid.uuid4()
    for test_case in _test_cases(template_id, user):
        start_test_case(test_case, user=user, batch=batch, offline=offline)
    return batch


def start_test_case(
    test_case: RunTestCase,
    *,
    user: Any,
    batch: uuid.UUID | None = None,
    offline: bool = False,
    enqueue: bool = True,
    source: str = RunSource.TEST_CASE,
) -> Run:
    """Start TEST_CASE's run (live, or OFFLINE from its recording). A configuration whose
    template version is gone, whose values no longer fit it, or that has nothing to replay
    gets a failed run saying so. RunLimitReached passes through."""
    configuration = test_case.configuration
    template_id = configuration.template_id
    entry = CatalogueEntry.objects.filter(template_id=template_id).first()
    version = None
    if entry is not None:
        version = entry.versions.filter(version=configuration.template_version).first()
    try:
        if version is None:
            raise ValidationError(
                f"{template_id} {configuration.version_label} is no longer in the catalogue"
            )
        replay = recording_for(test_case) if offline else None
        if offline and replay is None:
            raise ValidationError(
                "no recording to replay offline: run it live once, or pin a run's exchanges"
            )
        return run_start(
            version=version,
            values=configuration.values,
            variables=configuration.variables,
            user=user,
            configuration=configuration,
            source=source,
            test_case=test_case,
            batch=batch,
            replay=replay,
            enqueue=enqueue,
        )
    except RunLimitReached:
        raise
    except (ValidationError, RecordingError) as exc:
        reasons = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        run = Run.objects.create(
            template_id=template_id,
            version=configuration.template_version,
            template_name=entry.name if entry else "",
            values=configuration.values,
            variables=configuration.variables,
            source=source,
            created_by=user,
            secrets_as=user,
            time_limit=1,
            configuration=configuration,
            test_case=test_case,
            batch=batch,
            replay={"version": 1, "exchanges": []} if offline else None,
        )
        return run_fail(run.pk, "Not started: " + "; ".join(reasons)) or run


def _test_cases(template_id: str, user: Any) -> list[RunTestCase]:
    return list(
        RunTestCase.objects.select_related("configuration")
        .filter(configuration__owner=user, configuration__template_id=template_id)
        .order_by("configuration__name")
    )


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


@dataclass
class Row:
    test_case: RunTestCase
    run: Run | None
    previous: Run | None
    changes: list[str]

    @property
    def change(self) -> str:
        """How the verdict moved since the previous run: new, fixed, broke, same."""
        if self.run is None or self.run.test_passed is None:
            return ""
        if self.previous is None or self.previous.test_passed is None:
            return "new"
        if self.previous.test_passed == self.run.test_passed:
            return "same"
        return "fixed" if self.run.test_passed else "broke"


def table_of_test_cases(
    *, template_id: str, user: Any, batch: uuid.UUID | None = None
) -> list[Row]:
    """One row per test case: its run in BATCH (else its latest), the run before, the changes."""
    rows = []
    for test_case in _test_cases(template_id, user):
        # the user's own runs only: a staff user's re-run of it is theirs, not this table's
        runs = Run.objects.filter(test_case=test_case, created_by=user).order_by(
            "-created_at", "-pk"
        )
        current = runs.filter(batch=batch).first() if batch is not None else runs.first()
        previous = None
        if current is not None:
            previous = (
                runs.filter(created_at__lte=current.created_at).exclude(pk=current.pk).first()
            )
        rows.append(Row(test_case, current, previous, _changes(previous, current)))
    return rows


def _changes(previous: Run | None, current: Run | None) -> list[str]:
    if previous is None or current is None or not current.is_done:
        return []
    changes = []
    if previous.outcome != current.outcome:
        changes.append(f"outcome: {previous.outcome or '—'} → {current.outcome}")
    old, new = _compared(previous), _compared(current)
    for part in ("variables", "response", "error"):
        changes += json_diff(old.get(part), new.get(part), part)
    if len(changes) > MAX_DIFF_LINES:
        changes = [
            *changes[: MAX_DIFF_LINES - 1],
            f"… and {len(changes) - MAX_DIFF_LINES + 1} more",
        ]
    return changes


def _compared(run: Run) -> dict[str, Any]:
    """What the table compares of RUN's outcome (nothing when it cannot be read)."""
    try:
        record = run.outcome_record
    except StoredOutcomeError:
        return {}
    if record is None:
        return {}
    error = None if record.error is None else record.error.model_dump()
    return {"variables": record.variables, "response": record.response, "error": error}


def json_diff(old: Any, new: Any, path: str = "") -> list[str]:
    """Where two JSON values differ: `path: old → new`, `path: added`, `path: removed`."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for key in list(old) + [k for k in new if k not in old]:
            child = f"{path}.{key}" if path else str(key)
            if key not in new:
                lines.append(f"{child}: removed")
            elif key not in old:
                lines.append(f"{child}: added {_short(new[key])}")
            else:
                lines += json_diff(old[key], new[key], child)
        return lines
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        lines = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            lines += json_diff(a, b, f"{path}[{index}]")
        return lines
    if old == new and type(old) is type(new):
        return []
    return [f"{path or '(value)'}: {_short(old)} → {_short(new)}"]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"
