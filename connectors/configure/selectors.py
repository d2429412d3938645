"""Reads of saved configurations. Every read is scoped to the owner: someone else's is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from connectors.catalogue.addresses import UNVERSIONED
from connectors.models import CatalogueEntry, SavedConfiguration, TemplateVersion


def form_version(template_id: str, version: int | str | None) -> TemplateVersion:
    """The version to configure (the default one for None, the one without a number for
    UNVERSIONED), without its content: the parsed template is cached (forms.template_for) and
    the JSON is read only on a cache miss."""
    versions = TemplateVersion.objects.defer("content").select_related("entry")
    versions = versions.defer("entry__description", "entry__search_text")
    if version is None:
        entry = CatalogueEntry.objects.filter(template_id=template_id).only("default_version")
        found = versions.filter(pk__in=entry.values("default_version")).first()
    else:
        number = None if version == UNVERSIONED else version
        found = versions.filter(entry__template_id=template_id, version=number).first()
    if found is None:
        raise Http404(f"No version {version} of {template_id!r} in the catalogue")
    return found


def configuration_list(*, owner: Any) -> QuerySet[SavedConfiguration]:
    return SavedConfiguration.objects.filter(owner=owner)


def get_configuration(*, owner: Any, pk: int | str) -> SavedConfiguration:
    """The owner's configuration; 404 (not 403) for another user's, so ids reveal nothing."""
    found = SavedConfiguration.objects.filter(owner=owner, pk=_int(pk)).first()
    if found is None:
        raise Http404("No such configuration")
    return found


def configuration_version(configuration: SavedConfiguration) -> TemplateVersion | None:
    """The catalogue version the configuration was made for, if it is still there."""
    return (
        TemplateVersion.objects.filter(
            entry__template_id=configuration.template_id, version=configuration.template_version
        )
        .select_related("entry")
        .first()
    )


def newer_version(configuration: SavedConfiguration) -> TemplateVersion | None:
    """The newest version above the configuration's own, preferring non-deprecated ones."""
    if configuration.template_version is None:
        return None
    newer = TemplateVersion.objects.filter(
        entry__template_id=configuration.template_id,
        version__gt=configuration.template_version,
    ).defer("content")
    return (
        newer.filter(deprecated=False).order_by("-version").first()
        or newer.order_by("-version").first()
    )


def newer_versions(configurations: list[SavedConfiguration]) -> dict[int, int]:
    """configuration pk -> the newest version number of its template above its own (for lists)."""
    ids = {c.template_id for c in configurations}
    newest: dict[str, int] = {}
    rows = TemplateVersion.objects.filter(entry__template_id__in=ids, version__isnull=False)
    for template_id, version in rows.values_list("entry__template_id", "version"):
        if version is not None:
            newest[template_id] = max(version, newest.get(template_id, version))
    return {
        c.pk: newest[c.template_id]
        for c in configurations
        if c.template_version is not None
        and newest.get(c.template_id, c.template_version) > c.template_version
    }


def entry_of(configuration: SavedConfiguration) -> CatalogueEntry | None:
    return CatalogueEntry.objects.filter(template_id=configuration.template_id).first()


def _int(pk: int | str) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404("No such configuration") from None
