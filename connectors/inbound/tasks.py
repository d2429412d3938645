"""The Celery beat task that polls Camunda for process definitions (CELERY_BEAT_SCHEDULE names
it every CONNECTORHUB_INBOUND_POLL_SECONDS; CELERY_IMPORTS loads this module in the worker)."""

from __future__ import annotations

import logging

from celery import shared_task

from connectors.inbound.discovery import discover
from connectors.zeebe.rest import GatewayUnavailable, RequestRefused

DISCOVER_TASK = "connectors.inbound.discover"
logger = logging.getLogger(__name__)


@shared_task(name=DISCOVER_TASK, ignore_result=True)  # type: ignore[untyped-decorator]
def discover_inbound() -> None:
    try:
        report = discover()
    except (GatewayUnavailable, RequestRefused, TimeoutError) as exc:
        # the next poll tries again; the elements already active keep running meanwhile
        logger.warning("inbound discovery: Camunda did not answer: %s", exc)
        return
    if report is not None and (report.new or report.removed):
        logger.info("inbound discovery: new %s, removed %s", report.new, report.removed)
