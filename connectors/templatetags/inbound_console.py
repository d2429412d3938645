"""`{{ selected|console_action }}`: the label of the configure page's test console action
("Test webhook", "Test consumer"), or "" when the template is no inbound element the console
can run; `{{ element.inbound_type|has_console }}`: whether the Inbound page links to it."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import Http404

from connectors.configure import template_for
from connectors.inbound import console_views
from connectors.inbound.console_views import console_kind
from connectors.models import TemplateVersion

register = template.Library()
LABELS = {"webhook": "Test webhook", "consumer": "Test consumer"}


@register.filter
def console_action(version: Any) -> str:
    if not isinstance(version, TemplateVersion):
        return ""
    return LABELS.get(console_kind(template_for(version)), "")


@register.filter
def has_console(inbound_type: str) -> bool:
    """Whether the Inbound page links an element of INBOUND_TYPE to the test console."""
    try:
        console_views.console_connector(inbound_type)
    except Http404:
        return False
    return True
