"""python manage.py export_templates --out DIR [ids...]: a folder the Desktop Modeler reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.export import Selection, export_selection, template_files


class Command(BaseCommand):
    help = (
        "Write element templates as one .json file per template id into DIR (for the Desktop "
        "Modeler's resources/element-templates/). Without ids, the whole catalogue and the "
        "hub's Python connectors. Templates that no longer validate are reported and skipped; "
        "the exit status is then 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", help="template ids (default: all)")
        parser.add_argument("--out", required=True, type=Path, help="folder to write into")
        parser.add_argument(
            "--versions", choices=["all", "default"], default="all", help="default: all"
        )
        parser.add_argument(
            "--camunda7", action="store_true", help="add the Camunda 7 connector templates"
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="the hub's address, used as documentation link of generated templates",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out {out}: exists and is not a folder")
        selection = Selection(
            ids=options["ids"],
            versions=options["versions"],
            camunda7=options["camunda7"],
            base_url=options["base_url"],
        )
        result = export_selection(selection)
        out.mkdir(parents=True, exist_ok=True)
        files = template_files(result.templates)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
        self.stdout.write(f"{result.summary()}: {len(files)} file(s) in {out}")
        for problem in result.problems:
            self.stderr.write(f"skipped {problem}")
        if result.problems:
            raise CommandError(f"{len(result.problems)} template(s) were not exported (see above)")
