"""Import an API description (OpenAPI 3.0/3.1, Swagger 2.0, Postman 2.1) as REST templates."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.apiimport.errors import ApiDescriptionError
from connectors.apiimport.generating import Options
from connectors.apiimport.services import api_import, api_preview, file_retriever
from connectors.models import ImportSource


class Command(BaseCommand):
    help = (
        "Turn an API description into template-only REST connectors (io.camunda:http-json:1): "
        "one template with an operation chooser (one per tag for large APIs), or one per "
        "operation. Prints what is imported and each operation left out, with the reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("spec", help="OpenAPI/Swagger (JSON or YAML) or Postman 2.1 file")
        parser.add_argument(
            "--operations",
            default="",
            help="comma-separated operationIds (or 'METHOD /path') to import; default: all",
        )
        parser.add_argument("--base-url", default="", help="base URL instead of the servers")
        parser.add_argument(
            "--per-operation", action="store_true", help="one template per operation"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print the preview, store nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["spec"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            preview = api_preview(
                path.read_bytes(),
                source_name=str(path),
                options=Options(
                    per_operation=options["per_operation"], base_url=options["base_url"]
                ),
                operations=[o for o in options["operations"].split(",") if o.strip()],
                source_url=path.resolve().as_uri(),
                retrieve=file_retriever(path.resolve().parent),
            )
        except ApiDescriptionError as exc:
            raise CommandError(f"{path}: {exc}") from None
        for line in preview.report_lines():
            self.stdout.write(line)
        if options["dry_run"]:
            return
        result = api_import(preview, source=ImportSource.COMMAND)
        for error in result.errors:
            self.stderr.write(error)
        if not result.ok:
            raise CommandError("nothing was imported")
        counts = {
            s: sum(1 for t in result.templates if t.status == s) for s in ("imported", "unchanged")
        }
        self.stdout.write(f"{counts['imported']} imported, {counts['unchanged']} unchanged")
