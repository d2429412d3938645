"""Reads: the configuration templates the catalogue knows, and the credentials a user sees."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from connectors.catalogue.models import TemplateVersion
from connectors.credentials.models import Credential
from connectors.secrets.store import is_staff


def configuration_templates() -> dict[str, dict[str, Any]]:
    """Each configuration template id -> its newest definition among the catalogue's templates
    (Camunda embeds the same definition in every template that offers it)."""
    found: dict[str, dict[str, Any]] = {}
    rows = TemplateVersion.objects.filter(content__has_key="configurationTemplates")
    for content in rows.values_list("content", flat=True):
        for definition in content.get("configurationTemplates") or []:
            if not isinstance(definition, dict) or not isinstance(definition.get("id"), str):
                continue
            known = found.get(definition["id"])
            if known is None or _version(definition) > _version(known):
                found[definition["id"]] = definition
    return dict(sorted(found.items(), key=lambda item: str(item[1].get("name") or item[0])))


def _version(definition: dict[str, Any]) -> int:
    version = definition.get("version")
    return version if isinstance(version, int) else 1


def credential_list() -> QuerySet[Credential]:
    """Every credential's name and shape is visible to signed-in users, as secrets' names are."""
    return Credential.objects.select_related("created_by", "changed_by")


def usable_names(user: Any, template_id: str) -> list[str]:
    """The credentials of TEMPLATE_ID that USER may choose: their own (staff: all)."""
    rows = Credential.objects.filter(template_id=template_id)
    if not is_staff(user):
        rows = rows.filter(created_by_id=getattr(user, "pk", None))
    return list(rows.order_by("name").values_list("name", flat=True))
