"""Bring the catalogue up to date: the registered Python connectors, then (once) npm packages.

`make run` runs it on every start, and a production deployment after every `migrate`: built-in
and plugin connectors reach the catalogue only through this command.
"""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from connectors.catalogue.importing import import_documents
from connectors.catalogue.npm import NpmFetchError, fetch_package_templates
from connectors.catalogue.registry_sync import sync_registry
from connectors.models import CatalogueEntry, ConnectorKind, ImportSource


class Command(BaseCommand):
    help = (
        "Add the registered Python connectors (built-ins and plugins) to the catalogue, and "
        "import CONNECTORHUB_SEED_PACKAGES from npm when no template was imported yet."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--no-npm",
            action="store_true",
            help="Only add the registered Python connectors; do not contact the npm registry.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._sync_registry()
        if options["no_npm"]:
            return
        if CatalogueEntry.objects.filter(kind=ConnectorKind.TEMPLATE).exists():
            self.stdout.write("Catalogue: already seeded.")
            return
        for spec in settings.CONNECTORHUB_SEED_PACKAGES:
            self._import_package(spec)

    def _sync_registry(self) -> None:
        results = sync_registry()
        for result in results:
            for error in result.errors:
                self.stderr.write(f"Catalogue: {error}")
        added = sum(1 for r in results for t in r.templates if t.status != "unchanged")
        self.stdout.write(
            f"Catalogue: {len(results)} registered Python connectors"
            + (f", {added} added or updated." if added else ", all up to date.")
        )

    def _import_package(self, spec: str) -> None:
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
            return
        report = import_documents(documents, source=ImportSource.NPM)
        self.stdout.write(f"Catalogue: {spec}: {report.summary()}")
