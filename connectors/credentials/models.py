"""Named credentials for the `Configuration` property of Camunda 8.10 templates."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from connectors.credentials.references import NAME_MAX_LENGTH, NAME_PATTERN, NAME_RULE


class Credential(models.Model):
    """One configuration instance (`kind` CREDENTIAL) of a configuration template.

    `name` stands for the Camunda cluster variable a process refers to (`camunda.vars.env.NAME`),
    so it is unique across templates, as cluster variable names are. `definition` is the
    configuration template it was saved with (its fields, conditions and constraints).
    `values` holds the plain fields by property id; `encrypted_values` the secret ones as Fernet
    tokens (never plaintext), decrypted only by the runtime through `connectors.credentials.store`.
    """

    name = models.CharField(
        max_length=NAME_MAX_LENGTH,
        unique=True,
        validators=[RegexValidator(rf"\A{NAME_PATTERN.pattern}\Z", f"Use {NAME_RULE}.")],
    )
    template_id = models.CharField(max_length=200, db_index=True)
    template_version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=40, default="CREDENTIAL")
    definition = models.JSONField(default=dict)
    description = models.TextField(blank=True)
    values = models.JSONField(default=dict, blank=True)
    encrypted_values = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template_id", "name"]

    def __str__(self) -> str:
        return self.name
