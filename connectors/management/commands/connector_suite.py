"""Export a connector's test suite to files, or import one (connectors.runs.suites).

    python manage.py connector_suite export TEMPLATE_ID --owner USER --to FOLDER
    python manage.py connector_suite import FOLDER --owner USER [--force]

An import that would change an existing configuration of the same name stops, naming each
one, and writes nothing unless --force is given (exit code 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.runs.suites import SuiteError, export_suite, import_suites


class Command(BaseCommand):
    help = "Export a connector's configurations, test cases and recordings to files, or import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("target", help="export: a template id; import: a suite folder")
        parser.add_argument("--owner", required=True, help="whose configurations (user name)")
        parser.add_argument("--to", metavar="FOLDER", help="export: the folder to write into")
        parser.add_argument(
            "--force", action="store_true", help="import: overwrite configurations that differ"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        owner = get_user_model().objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"--owner: no user {options['owner']!r}", returncode=2)
        if options["action"] == "export":
            if not options["to"]:
                raise CommandError("export needs --to FOLDER", returncode=2)
            folder = export_suite(
                template_id=options["target"], owner=owner, folder=Path(options["to"])
            )
            self.stdout.write(f"Wrote {folder}")
            return
        try:
            report = import_suites(
                path=Path(options["target"]), owner=owner, force=options["force"]
            )
        except SuiteError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(
            f"Created {len(report.created)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}."
        )
