"""The egress allow-list staff keep in the app, and its audit trail.

Dry-runs may not reach loopback, private or link-local addresses (connectors/network/
policy.py); these entries admit some, on top of CONNECTORHUB_EGRESS_ALLOW, without a restart.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from connectors.network.policy import allowlist_problems

PATTERN_MAX_LENGTH = 255


def validate_pattern(value: str) -> None:
    """A host name, `*.suffix`, `host:port` or a CIDR range (as CONNECTORHUB_EGRESS_ALLOW)."""

    if not value.strip():
        raise ValidationError("Write a host name, a *.suffix pattern or a CIDR range.")
    problems = allowlist_problems([value.strip()])
    if problems:
        raise ValidationError(problems[0])


class EgressAllowEntry(models.Model):
    """One host pattern or CIDR range dry-runs may reach although its address is blocked."""

    pattern = models.CharField(
        max_length=PATTERN_MAX_LENGTH,
        unique=True,
        validators=[validate_pattern],
        help_text="A host name (api.internal), *.suffix (*.corp.example), host:port "
        "(localhost:8080) or a CIDR range (10.1.0.0/16, 127.0.0.1).",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why it is allowed.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pattern"]
        verbose_name = "egress allow-list entry"
        verbose_name_plural = "egress allow-list entries"

    def __str__(self) -> str:
        return self.pattern


class EgressAuditEvent(models.Model):
    """One change to the egress allow-list: who added, changed or removed which entry."""

    class Action(models.TextChoices):
        ADD = "add", "added"
        CHANGE = "change", "changed"
        REMOVE = "remove", "removed"

    # The pattern is copied so that the trail outlives a removed entry.
    pattern = models.CharField(max_length=PATTERN_MAX_LENGTH, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.pattern} {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M:%S}"
