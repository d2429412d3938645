"""Dry-runs: one row per run of a connector with sample inputs, mirrored from the worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from connectors.catalogue.addresses import version_label
from connectors.runs.stored import StoredOutcome


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class RunOutcome(models.TextChoices):
    COMPLETED = "completed", "Completed"
    BPMN_ERROR = "bpmn_error", "BPMN error"
    FAILED = "failed", "Failed"


class RunSource(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    COMMAND = "command", "Command line"
    TEST_CASE = "test", "Test case"


class Run(models.Model):
    """A dry-run: what was asked (template, values, sample variables, who) and what happened.

    `values` keep secret references as placeholders (`{{secrets.X}}`); only the worker resolves
    them, inside the runtime, and everything it stores back (`stored_outcome`, `error_message`)
    is already redacted. The catalogue foreign key may go (an entry can be deleted) but the
    copied template id, version and name keep the run readable: a run never vanishes with its
    template.
    """

    template_id = models.CharField(max_length=255, db_index=True)
    version = models.IntegerField(null=True, blank=True)
    template_name = models.CharField(max_length=255, blank=True)
    template_version = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    job_type = models.CharField(max_length=255, blank=True)
    values = models.JSONField(default=dict, blank=True)
    variables = models.JSONField(default=dict, blank=True)
    # The job the worker receives (type, retries, variables, headers), built from the values
    # when the run was started; secrets are still references here.
    job = models.JSONField(default=dict, blank=True)
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )
    source = models.CharField(max_length=16, choices=RunSource.choices, default=RunSource.WEB)
    # The saved configuration the run was started from (configure page, test cases), if any.
    configuration = models.ForeignKey(
        "connectors.SavedConfiguration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
    )
    # Set when the run checks a test case: the verdict, one line per check, and the batch of
    # "run all test cases" it belongs to.
    test_case = models.ForeignKey(
        "connectors.RunTestCase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
    )
    test_passed = models.BooleanField(null=True, blank=True)
    test_report = models.JSONField(default=list, blank=True)
    batch = models.UUIDField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whose secret permissions the run uses: whoever started it, except when a staff user
    # re-runs someone else's run, which keeps that person's permissions (its values are theirs,
    # so the re-runner's secrets must not follow them). Null: the `dryrun` command (trusted),
    # or that person was deleted, and then the run may use no secret at all.
    secrets_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Seconds the connector call may take (the runtime's limit); the Celery limits sit above it.
    time_limit = models.FloatField()
    # An offline replay: the recording (connectors.network.recording) this run is answered
    # from, copied when it started; null for a live run, which opens real connections.
    replay = models.JSONField(null=True, blank=True)

    status = models.CharField(
        max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    # The kind of outcome, copied from the record for the lists' filters (blank until done).
    outcome = models.CharField(max_length=16, choices=RunOutcome.choices, blank=True)
    # The whole outcome in one versioned record (connectors.runs.stored.StoredOutcome: the
    # variables, the connector's response, error, retries, trace, logs and exchanges), null
    # until the run is done. One column, not one per part: the parts are written and read
    # together, and one version number covers them all. Read it through `outcome_record`.
    stored_outcome = models.JSONField(null=True, blank=True)
    # Why a failed run failed, in one message (copied from the record for the lists).
    error_message = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)  # copied from the record
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=255, blank=True)
    # How many times a worker picked the run up; above one means a redelivery after a crash.
    deliveries = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["template_id", "-created_at"])]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.template_id} ({self.status})"

    @property
    def is_done(self) -> bool:
        return self.status == RunStatus.DONE

    @property
    def version_label(self) -> str:
        return version_label(self.version)

    @property
    def outcome_record(self) -> StoredOutcome | None:
        """The stored outcome, typed (None while not done); StoredOutcomeError when it cannot
        be read. Read afresh each time: a masked copy of the run (runs.masking) must not see
        a record cached from the original."""
        if self.stored_outcome is None:
            return None
        return StoredOutcome.load(self.stored_outcome)


class RunTestCase(models.Model):
    """Expectations on the dry-run of a saved configuration: a test case.

    `expected_outcome` (blank: any) is the kind of outcome; `expected_error_code` (blank: any)
    the BPMN error or failure code; `conditions` are FEEL expressions that must be true against
    `response` (the raw connector result), `variables` (what the process receives), `error`
    ({code, message}) and `outcome`, e.g. `response.status = 200`. They see the stored, redacted
    outcome, so a condition can never reveal a secret.
    """

    configuration = models.OneToOneField(
        "connectors.SavedConfiguration", on_delete=models.CASCADE, related_name="test_case"
    )
    expected_outcome = models.CharField(max_length=16, choices=RunOutcome.choices, blank=True)
    expected_error_code = models.CharField(max_length=255, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    # The recording pinned for offline runs (connectors.network.recording), possibly edited to
    # answer an error; null: offline runs replay the exchanges of the latest live run.
    recording = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["configuration__name"]

    def __str__(self) -> str:
        return f"Test case of {self.configuration_id}"
