"""The consumers' supervisor (`manage.py inbound_worker`): one thread per active consumer
executable (Camunda's InboundExecutableRegistryImpl activating and deactivating executables,
and its restart of a failed one with back-off).

Every `refresh()` compares the ACTIVE consumer executables (by deduplication id and their
elements) with the running threads: a new one is started, a gone one is told to stop
(`context.stopping`) and joined. A consumer function that raises (or returns before it was told
to stop) is DOWN with the reason, redacted, and is started again after a back-off that doubles
up to a limit; a run that lasts resets the back-off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from django.db import close_old_connections, connection

from connectors.inbound import activity
from connectors.inbound.context import ActivationFailed, activate
from connectors.inbound.correlation import ActiveElement
from connectors.inbound.models import ElementState, InboundElement
from connectors.inbound.registry import UnknownInboundType, inbound_registry

logger = logging.getLogger(__name__)
FIRST_BACK_OFF = 1.0
MAX_BACK_OFF = 60.0
JOIN_SECONDS = 10.0
RETURNED = "the consumer returned before it was stopped"

Key = tuple[str, tuple[int, ...]]


class ConsumerThread:
    """One executable's consumer, restarted with back-off until `stop()`."""

    def __init__(self, elements: list[ActiveElement], inbound_type: str, back_off: float) -> None:
        self.elements = elements
        self.inbound_type = inbound_type
        self.first_back_off = back_off
        self.stop_event = threading.Event()
        self.starts = 0
        self.thread = threading.Thread(
            target=self._run, name=f"inbound-{inbound_type}-{elements[0].pk}", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()

    def join(self, timeout: float = JOIN_SECONDS) -> None:
        self.thread.join(timeout)

    def _run(self) -> None:
        delay = self.first_back_off
        try:
            while not self.stop_event.is_set():
                started = time.monotonic()
                try:
                    self._once()
                except Exception:  # the hub's own trouble (the database): logged, tried again
                    logger.exception("inbound consumer %s could not run", self.inbound_type)
                if self.stop_event.is_set():
                    break
                if time.monotonic() - started > MAX_BACK_OFF:
                    delay = self.first_back_off  # it ran for a while: a fresh failure
                self.stop_event.wait(delay)
                delay = min(delay * 2, MAX_BACK_OFF)
        finally:
            connection.close()  # this thread's own database connection

    def _once(self) -> None:
        pks = [e.pk for e in self.elements]
        close_old_connections()
        try:
            connector = inbound_registry().get(self.inbound_type)
            context = activate(connector, self.elements, audit=True)
        except (ActivationFailed, UnknownInboundType) as exc:
            self._down(pks, f"activation failed: {exc}")
            return
        context.stopping = self.stop_event
        self.starts += 1
        activity.set_health(pks, up=True)
        activity.record(pks[0], "consumer started", tag="lifecycle")
        try:
            connector.function(context.bind(connector.input), context)
            failure = "" if self.stop_event.is_set() else RETURNED
        except Exception as exc:  # the connector's own failure: DOWN, then a restart
            failure = context.redactor.redact_text(f"{type(exc).__name__}: {exc}")
        finally:
            # the lines the context holds: none lost at a stop, all before a DOWN line
            context.flush_activity()
        if failure:
            self._down(pks, failure)

    def _down(self, pks: list[int], reason: str) -> None:
        logger.warning("inbound consumer %s is down: %s", self.inbound_type, reason)
        activity.set_health(pks, up=False, reason=reason)
        activity.record(pks[0], f"DOWN: {reason}; restarting", severity="ERROR", tag="health")


class ConsumerSupervisor:
    def __init__(self, *, back_off: float = FIRST_BACK_OFF) -> None:
        self.back_off = back_off
        self.running: dict[Key, ConsumerThread] = {}

    def refresh(self) -> None:
        wanted = self._wanted()
        for key in [k for k in self.running if k not in wanted]:
            self._stop(key)
        for key, (inbound_type, elements) in wanted.items():
            if key not in self.running:
                consumer = ConsumerThread(elements, inbound_type, self.back_off)
                self.running[key] = consumer
                consumer.start()

    def stop_all(self) -> None:
        for key in list(self.running):
            self._stop(key)

    def run(self, stop: threading.Event, every: float) -> None:
        """Refresh every EVERY seconds until STOP is set, then stop every consumer."""
        try:
            while not stop.is_set():
                close_old_connections()
                self.refresh()
                stop.wait(every)
        finally:
            self.stop_all()

    def _stop(self, key: Key) -> None:
        consumer = self.running.pop(key)
        consumer.stop()
        consumer.join()

    def _wanted(self) -> dict[Key, tuple[str, list[ActiveElement]]]:
        """The consumer executables that should run: (inbound type, elements) by key."""
        rows = (
            InboundElement.objects.filter(connector_kind="consumer", activation_error="")
            .exclude(state=ElementState.INACTIVE)
            .select_related("process")
            .order_by("pk")
        )
        grouped: dict[str, list[InboundElement]] = defaultdict(list)
        for row in rows:
            grouped[row.deduplication_id].append(row)
        return {
            (dedup, tuple(r.pk for r in group)): (
                group[0].inbound_type,
                [ActiveElement.of(r) for r in group],
            )
            for dedup, group in grouped.items()
        }
