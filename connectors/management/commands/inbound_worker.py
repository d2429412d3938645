"""Keep the active inbound consumers running (docs/inbound.md).

    python manage.py inbound_worker

One thread per active consumer executable; the set is read again every
CONNECTORHUB_INBOUND_POLL_SECONDS (new process versions, removals, recoveries). A consumer that
fails is DOWN on the Inbound page and restarted with back-off. SIGTERM or Ctrl-C stops every
consumer (each sees `context.stopping`) and then the command. `make run` starts it.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from connectors.inbound.consumers import ConsumerSupervisor


class Command(BaseCommand):
    help = "Run the inbound consumers of the deployed processes until stopped."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("inbound worker: running the active consumers")
        ConsumerSupervisor().run(stop, every=float(settings.CONNECTORHUB_INBOUND_POLL_SECONDS))
        self.stdout.write("inbound worker: stopped")
