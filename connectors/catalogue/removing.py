"""Deleting an imported template (every version of one catalogue entry).

Only imported templates: a built-in or plugin connector's template comes from its code and
would come back at the next start. Saved configurations refer to a template by id and version,
not by a foreign key, so they outlive it; the confirm page says how many there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from connectors.models import CatalogueEntry, ConnectorKind, SavedConfiguration
from connectors.transactions import write_transaction

NOT_DELETABLE = (
    "{name} is the template of a Python connector (built-in or plugin): it comes from the "
    "connector's code and returns at the next start, so it cannot be deleted here"
)


class EntryNotDeletable(ValueError):
    pass


@dataclass(frozen=True)
class DeletedEntry:
    template_id: str
    name: str
    versions: int


def configurations_using(template_id: str) -> QuerySet[SavedConfiguration]:
    """Every user's saved configurations of the template, whatever their version."""
    return SavedConfiguration.objects.filter(template_id=template_id)


def delete_entry(entry: CatalogueEntry, *, user: Any) -> DeletedEntry:
    """Remove ENTRY and its versions; raises EntryNotDeletable for a connector's own template.
    Runs keep their stored outcome (their link to the version is cleared)."""
    if entry.kind != ConnectorKind.TEMPLATE:
        raise EntryNotDeletable(NOT_DELETABLE.format(name=entry.name or entry.template_id))
    with write_transaction(CatalogueEntry):
        versions = entry.versions.count()
        entry.delete()
    return DeletedEntry(entry.template_id, entry.name, versions)
