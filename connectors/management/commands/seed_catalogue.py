"""Seed an empty catalogue from the configured npm packages (run by `make run`)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from connectors.catalogue.importing import import_documents
from connectors.catalogue.npm import NpmFetchError, fetch_package_templates
from connectors.catalogue.registry_sync import sync_registry
from connectors.models import CatalogueEntry, ConnectorKind, ImportSource


class Command(BaseCommand):
    help = (
        "Add the registered Python connectors to the catalogue, and import "
        "CONNECTORHUB_SEED_PACKAGES from npm when no template was imported yet."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for result in sync_registry():
            for error in result.errors:
                self.stderr.write(f"Catalogue: {error}")
        if CatalogueEntry.objects.filter(kind=ConnectorKind.TEMPLATE).exists():
            self.stdout.write("Catalogue: already seeded.")
            return
        for spec in settings.CONNECTORHUB_SEED_PACKAGES:
            self.stdout.write(
                f"Catalogue: importing {spec} from {settings.CONNECTORHUB_NPM_REGISTRY} …"
            )
            try:
                documents = fetch_package_templates(spec)
            except NpmFetchError as exc:
                self.stderr.write(
                    f"Catalogue: {exc}. The catalogue starts with the built-in connectors only; "
                    "import templates later from the catalogue page."
                )
                continue
            report = import_documents(documents, source=ImportSource.NPM)
            self.stdout.write(f"Catalogue: {spec}: {report.summary()}")
