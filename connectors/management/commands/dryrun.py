"""Dry-run a connector from a terminal and print the outcome as JSON.

    python manage.py dryrun TEMPLATE_ID --values values.json [--version N]
                                        [--variables vars.json] [--queue]

In-process by default (no Redis or worker needed); `--queue` sends the run through Celery and
waits for a worker. Either way the run is recorded and shows in the run history.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from connectors.catalogue.selectors import get_entry, get_version
from connectors.models import Run, RunSource, RunStatus
from connectors.runs import events, reaper, selectors, services
from connectors.runs.limits import stale_after_seconds
from connectors.runs.stored import StoredOutcomeError

# The keys printed, in this order (docs/dry-runs.md); StoredOutcome.printed() makes them.
OUTPUT_KEYS = ("outcome", "variables", "result", "error", "retries", "duration_ms")


class Command(BaseCommand):
    help = (
        "Dry-run a connector with the values in a JSON file and print the outcome as JSON. "
        "Runs in this process unless --queue is given."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # `--version N` is the template version (the CLI), not Django's own --version
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "template_id", help="the element template id, e.g. io.camunda.connectors.HttpJson.v2"
        )
        parser.add_argument(
            "--values",
            required=True,
            metavar="FILE",
            help="JSON object of field values by field key ('-' reads stdin)",
        )
        parser.add_argument(
            "--version",
            type=int,
            default=None,
            help="template version (default: the catalogue's default version)",
        )
        parser.add_argument(
            "--variables",
            metavar="FILE",
            default=None,
            help="JSON object of sample process variables",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="run through Celery (needs Redis and a worker) instead of here",
        )
        parser.add_argument(
            "--time-limit",
            type=float,
            default=None,
            metavar="SECONDS",
            help="how long the connector call may take",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=300.0,
            metavar="SECONDS",
            help="with --queue: how long to wait for a worker (default 300)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        values = _read_json(options["values"], "--values")
        variables = _read_json(options["variables"], "--variables") if options["variables"] else {}
        try:
            version = get_version(get_entry(options["template_id"]), options["version"])
        except Http404 as exc:
            raise CommandError(str(exc)) from None
        try:
            run = services.run_start(
                version=version,
                values=values,
                variables=variables,
                user=None,
                source=RunSource.COMMAND,
                time_limit=options["time_limit"],
                enqueue=options["queue"],
            )
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from None
        if options["queue"]:
            done = self._wait(run, options["timeout"])
        else:
            done = services.run_execute(run.pk, worker="dryrun command")
        if done is None:
            raise CommandError(f"run {run.pk} was deleted before it finished")
        self.stdout.write(json.dumps(output_of(done), indent=2, ensure_ascii=False))

    def _wait(self, run: Run, timeout: float) -> Run | None:
        deadline = time.monotonic() + timeout
        warned = False
        current: Run | None = run
        while current is not None and not current.is_done:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CommandError(
                    f"run {run.pk} is still {current.status} after {timeout:g} s; it stays in "
                    "the queue and shows in the run history"
                )
            seen = current.status
            current = events.wait_for_change(
                run.pk,
                lambda: Run.objects.filter(pk=run.pk).first(),
                lambda r, seen=seen: r is not None and r.status == seen,
                min(left, 1.0),
            )
            if current is not None and not warned and selectors.waiting_without_worker(current):
                self.stderr.write(f"run {run.pk} waits in the queue: no worker is listening")
                warned = True
            if current is not None and current.status == RunStatus.RUNNING:
                deadline = max(deadline, time.monotonic() + stale_after_seconds(current.time_limit))
                current = reaper.run_check_stale(current)
        return current


def output_of(run: Run) -> dict[str, Any]:
    """The printed JSON: the stored outcome's keys in OUTPUT_KEYS order."""
    try:
        record = run.outcome_record
    except StoredOutcomeError as exc:
        raise CommandError(f"run {run.pk}: {exc}") from None
    printed = record.printed() if record is not None else {}
    return {key: printed.get(key) for key in OUTPUT_KEYS}


def _read_json(path: str, option: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{option}: cannot read {path}: {exc.strerror or exc}") from None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise CommandError(f"{option}: {path} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise CommandError(f"{option}: {path} must hold a JSON object")
    return value


def _describe(exc: ValidationError) -> str:
    if not hasattr(exc, "error_dict"):
        return "; ".join(exc.messages)
    return "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in exc.message_dict.items())
