"""Import element templates from files, folders or a published npm package."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.catalogue.importing import ImportReport, import_documents
from connectors.catalogue.npm import NpmFetchError, fetch_package_templates
from connectors.models import ImportSource


class Command(BaseCommand):
    help = (
        "Import element templates (files holding one template or an array) from files and "
        "folders, or with --npm from a published npm package. Exits non-zero if any file fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", help="JSON files or folders (searched recursively)")
        parser.add_argument(
            "--npm",
            action="append",
            default=[],
            metavar="SPEC",
            help="an npm package spec, e.g. @camunda/connectors-element-templates@1.0.29",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["paths"] and not options["npm"]:
            raise CommandError("Give at least one file, folder or --npm package.")
        documents = list(_read_paths(options["paths"]))
        source = ImportSource.COMMAND
        for spec in options["npm"]:
            try:
                documents.extend(fetch_package_templates(spec))
            except NpmFetchError as exc:
                raise CommandError(str(exc)) from None
            source = ImportSource.NPM
        report = import_documents(documents, source=source)
        self._print(report)
        if report.failed:
            raise CommandError(f"{len(report.failed)} file(s) failed to import.")

    def _print(self, report: ImportReport) -> None:
        for document in report.failed:
            for error in document.errors:
                self.stderr.write(error)
        self.stdout.write(report.summary())


def _read_paths(paths: list[str]) -> list[tuple[str, bytes]]:
    documents = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(path.rglob("*.json"))
        elif path.is_file():
            files = [path]
        else:
            raise CommandError(f"{raw}: no such file or folder")
        documents.extend((str(file), file.read_bytes()) for file in files)
    return documents
