"""Serve Camunda 7 / Operaton external tasks with every registered connector (or those named).

    python manage.py engine7_worker [--url URL] [--job-type TYPE ...] [--topic TOPIC=TYPE ...]
                                    [--worker-id ID] [--max-tasks N] [--time-limit S]
                                    [--lock-duration S] [--long-poll S] [--retries N]
                                    [--grace-period S]

Settings (environment) give the defaults, options override them: docs/camunda7-worker.md. The
tasks run through the same runtime core as dry-runs and Zeebe jobs, with the hub's secrets,
the worker egress policy, one JSON log line per task, a heartbeat for the status page and a
graceful stop on SIGTERM.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.engine7.hub import build_worker
from connectors.engine7.worker import run_until_signalled


class Command(BaseCommand):
    help = "Serve Camunda 7 / Operaton external tasks with the hub's connectors until SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", help="the engine's REST API, e.g. http://host:8080/engine-rest"
        )
        parser.add_argument("--job-type", dest="job_types", action="append", metavar="TYPE")
        parser.add_argument("--topic", dest="topics", action="append", metavar="TOPIC=TYPE")
        parser.add_argument("--worker-id")
        parser.add_argument("--max-tasks", type=int)
        parser.add_argument("--time-limit", type=float, metavar="SECONDS")
        parser.add_argument("--lock-duration", type=float, metavar="SECONDS")
        parser.add_argument("--long-poll", type=float, metavar="SECONDS")
        parser.add_argument("--retries", type=int)
        parser.add_argument("--grace-period", type=float, metavar="SECONDS")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            worker = build_worker(options)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        run_until_signalled(worker)
