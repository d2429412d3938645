"""The hub's side of the egress policy: the allow-list staff keep in the app (changes audited,
a cached read) and `policy_from_settings`, the policy the adapters hand to the runtime.

`policy_from_settings` merges these patterns with CONNECTORHUB_EGRESS_ALLOW. Every web
and Celery process reads them from the shared database, at most
CONNECTORHUB_EGRESS_ALLOWLIST_CACHE_SECONDS old (3 by default), so a change reaches the next run
everywhere without a restart; the process that makes a change forgets its copy at once.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Literal, TypeAlias

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from connectors.network.models import EgressAllowEntry, EgressAuditEvent
from connectors.network.policy import LOOPBACK_ALLOW, EgressPolicy

_cache: dict[str, tuple[float, tuple[str, ...]]] = {}
_cache_lock = threading.Lock()


def stored_patterns() -> tuple[str, ...]:
    """The patterns of the allow-list entries, read at most the setting's seconds ago."""
    cache_seconds = settings.CONNECTORHUB_EGRESS_ALLOWLIST_CACHE_SECONDS
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get("patterns")
    if cached is not None and cached[0] > now:
        return cached[1]
    try:
        patterns = tuple(EgressAllowEntry.objects.values_list("pattern", flat=True))
    except DatabaseError:
        # Before `migrate` has created the table: nothing is allowed beyond the setting.
        return ()
    with _cache_lock:
        _cache["patterns"] = (now + cache_seconds, patterns)
    return patterns


def forget_stored_patterns() -> None:
    with _cache_lock:
        _cache.clear()


def entry_add(*, pattern: str, note: str, user: Any) -> EgressAllowEntry:
    """Add PATTERN (validated: ValidationError naming the field) and audit it."""
    pattern = pattern.strip()
    if EgressAllowEntry.objects.filter(pattern__iexact=pattern).exists():
        raise ValidationError({"pattern": f"'{pattern}' is already on the allow-list."})
    entry = EgressAllowEntry(pattern=pattern, note=note.strip(), added_by=user)
    entry.full_clean()
    with transaction.atomic():
        entry.save()
        record_change(entry, EgressAuditEvent.Action.ADD, user)
    return entry


def entry_remove(*, entry: EgressAllowEntry, user: Any) -> None:
    with transaction.atomic():
        record_change(entry, EgressAuditEvent.Action.REMOVE, user)
        entry.delete()


def record_change(entry: EgressAllowEntry, action: str, user: Any) -> None:
    """Audit a change (the admin saves entries itself and calls this) and apply it at once."""
    actor = user if getattr(user, "is_authenticated", False) else None
    EgressAuditEvent.objects.create(
        pattern=entry.pattern, action=action, actor=actor, note=entry.note
    )
    forget_stored_patterns()
    transaction.on_commit(forget_stored_patterns)  # and again, lest a reader cached the old list


def audit(limit: int = 100) -> list[EgressAuditEvent]:
    return list(EgressAuditEvent.objects.select_related("actor")[:limit])


PolicyKind: TypeAlias = Literal["dry_run", "worker"]


def policy_from_settings(kind: PolicyKind) -> EgressPolicy | None:
    """The policy Django settings ask for: `dry_run` reads CONNECTORHUB_EGRESS_POLICY (default
    `enforce`), `worker` CONNECTORHUB_WORKER_EGRESS_POLICY (default `off`). Both admit
    CONNECTORHUB_EGRESS_ALLOW, the allow-list staff keep in the app (read through a short
    cache, so a change reaches the next run in every process without a restart) and, when
    CONNECTORHUB_DEV_ALLOW_LOOPBACK is on (`make run`), loopback. None means no address check."""
    mode = (
        settings.CONNECTORHUB_EGRESS_POLICY
        if kind == "dry_run"
        else settings.CONNECTORHUB_WORKER_EGRESS_POLICY
    )
    if mode == "off":
        return None
    entries = [*settings.CONNECTORHUB_EGRESS_ALLOW, *stored_patterns()]
    if settings.CONNECTORHUB_DEV_ALLOW_LOOPBACK:
        entries.extend(LOOPBACK_ALLOW)
    return EgressPolicy.from_allowlist(entries)
