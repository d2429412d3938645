"""Run connector test cases, offline by default, for CI pipelines.

    python manage.py test_connectors [TARGET ...] [--live] [--junit FILE]

A TARGET is a suite folder (one connector's, or a folder of them: connectors.runs.suites) or
a connector's template id whose test cases are in this hub's database; no TARGET runs every
test case in the database. A folder is imported into a transaction that is rolled back at the
end, so a checkout of the suites runs against a throwaway database and leaves nothing behind.

Offline, each case replays its recording and opens no connection; `--live` calls the real
systems (the dry-run egress policy applies: CONNECTORHUB_EGRESS_ALLOW admits private hosts).
Prints a pass/fail table; `--junit FILE` also writes JUnit XML. Exit code 0 when every case
passed, 1 when one failed or could not run, 2 for a usage error (an unknown target, an
unreadable suite, no test case at all).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from connectors.models import RunTestCase
from connectors.runs.runner import PASSED, CaseResult, junit_xml, run_cases, table
from connectors.runs.suites import SuiteError, import_suites

USAGE = 2


class Command(BaseCommand):
    help = (
        "Run connector test cases (offline from their recordings unless --live); a pass/fail "
        "table, JUnit XML with --junit, exit code 1 on a failure and 2 on a usage error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "targets",
            nargs="*",
            metavar="TARGET",
            help="a suite folder or a connector's template id (default: every test case)",
        )
        parser.add_argument(
            "--live", action="store_true", help="call the real systems instead of replaying"
        )
        parser.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        targets: list[str] = options["targets"]
        offline = not options["live"]
        folders = [Path(t) for t in targets if Path(t).is_dir()]
        ids = [t for t in targets if not Path(t).is_dir()]
        results = self._from_database(ids, offline, everything=not targets)
        if folders:
            results += self._from_folders(folders, offline)
        if not results:
            raise CommandError("No test case to run.", returncode=USAGE)
        self.stdout.write(table(results))
        if options["junit"]:
            try:
                Path(options["junit"]).write_bytes(junit_xml(results))
            except OSError as exc:
                raise CommandError(f"--junit: cannot write: {exc}", returncode=USAGE) from None
        failed = sum(1 for result in results if result.status != PASSED)
        if failed:
            raise CommandError(f"{failed} of {len(results)} test cases did not pass.", returncode=1)

    def _from_database(self, ids: list[str], offline: bool, everything: bool) -> list[CaseResult]:
        cases = RunTestCase.objects.select_related("configuration").order_by(
            "configuration__template_id", "configuration__name"
        )
        if not everything:
            known = set(
                cases.filter(configuration__template_id__in=ids).values_list(
                    "configuration__template_id", flat=True
                )
            )
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise CommandError(
                    "Neither a suite folder nor a connector with test cases here: "
                    + ", ".join(unknown),
                    returncode=USAGE,
                )
            if not ids:
                return []
            cases = cases.filter(configuration__template_id__in=ids)
        return run_cases(list(cases), offline=offline)

    def _from_folders(self, folders: list[Path], offline: bool) -> list[CaseResult]:
        results: list[CaseResult] = []
        # the suite and its runs exist for this command only
        with transaction.atomic():
            owner = get_user_model().objects.create(username=f"test-connectors-{uuid.uuid4()}")
            for folder in folders:
                try:
                    report = import_suites(path=folder, owner=owner, force=True)
                except SuiteError as exc:
                    raise CommandError(str(exc), returncode=USAGE) from None
                results += run_cases(report.test_cases, offline=offline)
            transaction.set_rollback(True)
        return results
