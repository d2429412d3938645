"""Reads for the web UI and the API. None of them touches a value."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from connectors.secrets.models import Secret, SecretAuditEvent


def secret_list(*, search: str = "") -> QuerySet[Secret]:
    secrets = Secret.objects.select_related("created_by", "changed_by").defer("encrypted_value")
    search = search.strip()
    if search:
        secrets = secrets.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return secrets.order_by("name")


def secret_audit(*, secret: Secret | None = None, limit: int = 200) -> QuerySet[SecretAuditEvent]:
    """Newest first. For one secret, its events (a deleted secret's events keep its name)."""
    events = SecretAuditEvent.objects.select_related("actor")
    if secret is not None:
        events = events.filter(Q(secret=secret) | Q(secret__isnull=True, secret_name=secret.name))
    return events[:limit]


def secret_uses(*, secret: Secret, limit: int = 100) -> QuerySet[SecretAuditEvent]:
    return SecretAuditEvent.objects.filter(
        secret=secret, action=SecretAuditEvent.Action.USE
    ).order_by("-at", "-id")[:limit]
