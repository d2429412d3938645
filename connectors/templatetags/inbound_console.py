"""`{{ selected|webhook_console }}`: whether the configure page offers "Test webhook" (the
template is an inbound webhook the test console can run)."""

from __future__ import annotations

from typing import Any

from django import template

from connectors.configure import template_for
from connectors.inbound.console_views import is_webhook_template
from connectors.models import TemplateVersion

register = template.Library()


@register.filter
def webhook_console(version: Any) -> bool:
    return isinstance(version, TemplateVersion) and is_webhook_template(template_for(version))
