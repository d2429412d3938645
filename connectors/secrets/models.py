"""Secrets stored in the hub (encrypted) and their audit trail."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from connectors.secrets.names import NAME_MAX_LENGTH, NAME_PATTERN, NAME_RULE

# Importing the checks registers them (deploy warning for a generated development key).
from connectors.secrets import checks as _checks  # noqa: F401  isort: skip


class Secret(models.Model):
    """A named secret value, encrypted at rest; the value is write-only everywhere.

    `encrypted_value` holds a Fernet token (never plaintext). Only the runtime decrypts it, through
    `connectors.secrets.store`; no view, serializer, admin page or export reads it.
    """

    name = models.CharField(
        max_length=NAME_MAX_LENGTH,
        unique=True,
        validators=[RegexValidator(rf"\A{NAME_PATTERN.pattern}\Z", f"Use {NAME_RULE}.")],
    )
    description = models.TextField(blank=True)
    encrypted_value = models.TextField(editable=False)
    # Host patterns the value may be sent to; empty means anywhere.
    allowed_hosts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    value_changed_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SecretAuditEvent(models.Model):
    """One thing that happened to a secret: created, changed, deleted or used by a run.

    Never holds a value. The name is copied so that the trail outlives a deleted secret.
    """

    class Action(models.TextChoices):
        CREATE = "create", "created"
        CHANGE = "change", "changed"
        DELETE = "delete", "deleted"
        USE = "use", "used"

    class Source(models.TextChoices):
        """Which kind of job used the secret (empty for create/change/delete)."""

        DRY_RUN = "dry_run", "dry-run"
        LIVE = "live", "live job"

    secret = models.ForeignKey(
        Secret, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    secret_name = models.CharField(max_length=NAME_MAX_LENGTH, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The run that used the secret (its id as text, so this table does not depend on the runs'
    # model); empty for create/change/delete and for live jobs, which have no run.
    run_id = models.CharField(max_length=64, blank=True, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, blank=True)
    job_type = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.secret_name} {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M:%S}"


class RetiredSecretName(models.Model):
    """The name of a deleted secret, kept so that nobody else can take it over.

    Processes, configurations and test cases may still refer to `{{secrets.NAME}}`; a secret
    created under that name by someone else would receive whatever they send. Only the former
    owner or a staff user may use the name again (docs/secrets.md, threat model).
    """

    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True)
    former_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retired_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
