"""Filled-in forms a user saved under a name, to reopen, duplicate or run later."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from connectors.catalogue.addresses import version_label


class SavedConfiguration(models.Model):
    """One user's values for one template version, with sample variables for test runs.

    Configurations are private to their owner. The template is referred to by id and version
    (not a foreign key) so that a configuration outlives a re-import or a removed version and can
    say which one it was made for; `values` are keyed by field_key, exactly as the job API
    takes them, and keep secret references (`{{secrets.NAME}}`) as typed.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_configurations"
    )
    name = models.CharField(max_length=200)
    template_id = models.CharField(max_length=255, db_index=True)
    # Templates without a version are stored with NULL, as in the catalogue.
    template_version = models.IntegerField(null=True, blank=True)
    values = models.JSONField(default=dict, blank=True)
    variables = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="configuration_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def version_label(self) -> str:
        return version_label(self.template_version)
