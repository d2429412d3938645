"""`{% egress_summary as egress %}`: what dry-runs may reach, for the status page."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from connectors.network.allowlist import stored_patterns

register = template.Library()


@register.simple_tag
def egress_summary() -> dict[str, Any]:
    return {
        "enforced": settings.CONNECTORHUB_EGRESS_POLICY == "enforce",
        "dev_loopback": settings.CONNECTORHUB_DEV_ALLOW_LOOPBACK,
        "allowed": len(settings.CONNECTORHUB_EGRESS_ALLOW) + len(stored_patterns()),
    }
